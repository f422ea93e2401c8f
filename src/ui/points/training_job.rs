//! The Points panel's training job: the in-app MLP training, one step per call, between
//! which it streams losses and snapshots (see [`Training`]).

use super::*;
use crate::app::jobs::Step;

/// Where a training job draws its clean points.
pub(super) enum TrainData {
    Toy(DatasetKind),
    Points(Vec<[f32; 2]>),
}

/// The training job between its steps: streams each step's loss and a snapshot every
/// [`SNAPSHOT_EVERY`] steps (so the field and samples can use the model as it learns), and
/// hands the session back when done or stopped. It goes one training step at a time
/// ([`jobs::spawn_steps`]), so in a web page it shares the page's thread without freezing it.
pub(super) struct Training {
    /// `None` only once it has been handed back.
    session: Option<TrainSession>,
    dataset: Option<Dataset>,
    source: TrainData,
    left: usize,
    target: usize,
    since_snapshot: usize,
    last_snapshot: Option<Arc<Checkpoint>>,
}

/// Steps between the snapshots a training job sends.
const SNAPSHOT_EVERY: usize = 250;

impl Training {
    pub(super) fn new(
        session: TrainSession,
        steps: usize,
        source: TrainData,
    ) -> anyhow::Result<Self> {
        let dataset = match &source {
            TrainData::Toy(kind) => Some(Dataset::open(&DataSpec::new(*kind))?.0),
            TrainData::Points(p) if p.is_empty() => {
                anyhow::bail!("there are no points to train on")
            }
            TrainData::Points(_) => None,
        };
        Ok(Self {
            target: session.step() + steps,
            session: Some(session),
            dataset,
            source,
            left: steps,
            since_snapshot: 0,
            last_snapshot: None,
        })
    }

    /// One training step (a snapshot after every [`SNAPSHOT_EVERY`] and at the end). A stop
    /// is not a failure: the session comes back to be continued.
    pub(super) fn step(&mut self, ctx: &JobContext<TrainMsg>) -> anyhow::Result<Step<TrainDone>> {
        let Some(session) = self.session.as_mut() else {
            anyhow::bail!("the training session was already handed back");
        };
        let cancel = ctx.cancel_flag();
        let mut done = 0;
        if self.left > 0 && !cancel.load(Ordering::Relaxed) {
            let (dataset, source, target) = (&self.dataset, &self.source, self.target);
            done = session.run(
                1,
                |rng, count| match (dataset, source) {
                    (Some(d), _) => d.sample(rng, count),
                    (None, TrainData::Points(p)) => (0..count)
                        .flat_map(|_| {
                            let i = rng.random_range(0..p.len());
                            p.get(i).copied().unwrap_or_default()
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                &cancel,
                |step, loss| {
                    ctx.emit(TrainMsg::Step { step, loss });
                    ctx.set_progress(step as u64, target as u64, "");
                },
            )?;
            self.left -= done.min(self.left);
            self.since_snapshot += done;
        }
        let finished = self.left == 0 || done == 0;
        if self.since_snapshot > 0 && (self.since_snapshot >= SNAPSHOT_EVERY || finished) {
            let snap = Arc::new(session.snapshot()?);
            ctx.emit(TrainMsg::Snapshot(snap.clone()));
            self.last_snapshot = Some(snap);
            self.since_snapshot = 0;
        }
        if !finished {
            return Ok(Step::More);
        }
        let Some(session) = self.session.take() else {
            anyhow::bail!("the training session was already handed back");
        };
        Ok(Step::Done(TrainDone {
            session,
            snapshot: self.last_snapshot.take(),
        }))
    }
}
