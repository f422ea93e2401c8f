//! The Points panel's state and background jobs: caches keyed on their inputs, the
//! CSV, training, reverse-run and save jobs, and what they hand back. No drawing.

use super::training_job::{TrainData, Training};
use super::*;

impl PointsPanel {
    // ------------------------------------------------------------------ state & jobs

    /// The model choice in effect.
    pub fn model_choice(&self) -> PointsModel {
        if let Some(m) = &self.model {
            return m.clone();
        }
        match self.set {
            PointSet::Toy(kind) => shipped_for(kind)
                .map(PointsModel::Source)
                .unwrap_or(PointsModel::Trained),
            PointSet::Drawn => PointsModel::Trained,
        }
    }

    pub(super) fn model_key(&self, lab: &LabContext) -> Option<ModelKey> {
        match self.model_choice() {
            PointsModel::Source(s) => Some((s, lab.settings.backend)),
            PointsModel::Trained | PointsModel::Exact(_) | PointsModel::TrueMixture => None,
        }
    }

    /// The model in use and its identity, when ready and a points model.
    pub(super) fn active_model(&self, lab: &LabContext) -> Option<(ModelId, Arc<Checkpoint>)> {
        match self.model_choice() {
            PointsModel::Exact(_) | PointsModel::TrueMixture => None,
            PointsModel::Trained => self
                .trained
                .as_ref()
                .map(|(g, m)| (ModelId::Trained(*g), m.clone())),
            PointsModel::Source(_) => {
                let key = self.model_key(lab)?;
                if !self.model_job.is_current(&key) {
                    return None;
                }
                let m = self.model_job.latest()?;
                (!m.domain().is_image()).then(|| (ModelId::Source(key), m.clone()))
            }
        }
    }

    /// The model in use, when ready.
    pub fn model_checkpoint(&self, lab: &LabContext) -> Option<Arc<Checkpoint>> {
        self.active_model(lab).map(|(_, m)| m)
    }

    /// The schedule in use: the model's, else the Schedule panel's.
    pub fn schedule(&self, lab: &LabContext) -> Arc<Schedule> {
        if let PointsModel::Exact(_) | PointsModel::TrueMixture = self.model_choice() {
            return lab.schedule.clone();
        }
        match (self.active_model(lab), &self.model_schedule) {
            (Some((id, _)), Some((h, s))) if model_id_hash(&id) == *h => s.clone(),
            (Some((_, m)), _) => Arc::new(m.schedule.clone()),
            (None, _) => lab.schedule.clone(),
        }
    }

    /// The clean cloud (count × 2 floats).
    pub fn cloud(&self) -> Option<Arc<Vec<f32>>> {
        self.cloud.as_ref().map(|(_, c)| c.clone())
    }

    /// The loss of every training step so far: (step, loss).
    pub fn losses(&self) -> &[[f64; 2]] {
        &self.losses
    }

    /// The reverse run's steps so far.
    pub fn trajectory(&self) -> Option<&Trajectory> {
        self.run.as_ref().map(|r| &r.traj)
    }

    /// The training session's steps so far (0 before any training; a model read back
    /// from the data folder has the steps it was stored with).
    pub fn trained_steps(&self) -> usize {
        self.session
            .as_ref()
            .map(|s| s.step())
            .or_else(|| self.losses.last().map(|p| p[0] as usize))
            .unwrap_or(self.restored_steps)
    }

    /// Keeps the model trained here in `dir` between runs (the app passes a folder in its
    /// data directory); `None` keeps it in memory only.
    pub fn set_store_dir(&mut self, dir: Option<PathBuf>) {
        self.store_dir = dir;
        self.store_load_tried = false;
    }

    pub fn store_dir(&self) -> Option<&Path> {
        self.store_dir.as_deref()
    }

    /// Why the model trained here could not be kept or read back, if so.
    pub fn store_error(&self) -> Option<&str> {
        self.store_error.as_ref().map(|(_, m)| m.as_str())
    }

    pub fn is_training(&self) -> bool {
        self.train_job.is_some()
    }

    /// True while any background work is in flight.
    pub fn is_busy(&self) -> bool {
        self.model_job.is_running()
            || self.train_job.is_some()
            || self.field_job.is_running()
            || self.run.as_ref().is_some_and(RunState::is_running)
            || self.companion.as_ref().is_some_and(|c| c.run.is_running())
            || self.csv_job.is_some()
            || self.save_job.is_some()
            || self.store_load.is_some()
            || self.store_job.is_some()
            || self.step_error.is_running()
            || self.explain.is_running()
    }

    /// Adds drawn points around (x, y) with the brush's spread.
    pub fn add_drawn_points(&mut self, x: f64, y: f64, n: usize) {
        let mut rng =
            crate::model::data::rng_for(self.drawn.len() as u64, 0xD2A3 ^ self.drawn_generation);
        for _ in 0..n {
            if self.drawn.len() >= MAX_DRAWN {
                break;
            }
            let dx = crate::model::data::normal(&mut rng) * self.brush;
            let dy = crate::model::data::normal(&mut rng) * self.brush;
            self.drawn.push([x as f32 + dx, y as f32 + dy]);
        }
        self.drawn_generation += 1;
        self.cloud = None;
    }

    /// Reads points from a CSV (x,y rows) on a job; they become the drawn set.
    pub fn open_points_csv(&mut self, path: &Path, repaint: Repaint) {
        let p = path.to_path_buf();
        // The error is kept as a value (worded in the frame's language).
        let job = jobs::spawn("load-points", repaint, move |_ctx| Ok(points_from_csv(&p)));
        self.csv_job = Some((path.to_path_buf(), job));
    }

    /// Blocks until the jobs in flight end (tests and benches only).
    pub fn finish_background_work(&mut self) {
        self.step_error.finish_blocking();
        self.explain.finish_blocking();
        if let Some((path, job)) = self.csv_job.take() {
            let outcome = job.wait();
            self.accept_csv(path, outcome);
        }
        self.model_job.wait();
        self.field_job.wait();
        if let Some(job) = self.train_job.take() {
            let (events, outcome) = job.wait_with_events();
            self.accept_train_events(events);
            self.accept_train_outcome(outcome);
        }
        if let Some(run) = self.run.as_mut() {
            run.finish_blocking();
        }
        if let Some(c) = self.companion.as_mut() {
            c.run.finish_blocking();
        }
        if let Some(job) = self.save_job.take() {
            let outcome = job.wait();
            self.accept_save(outcome);
        }
        if let Some(job) = self.store_load.take() {
            let outcome = job.wait();
            self.accept_stored(outcome);
        }
        if let Some(job) = self.store_job.take() {
            let outcome = job.wait();
            self.accept_store(outcome);
        }
    }

    /// A model read back from the data folder becomes the one trained here (unless one
    /// was trained meanwhile).
    fn accept_stored(&mut self, outcome: JobOutcome<Option<store::StoredModel>>) {
        match outcome {
            JobOutcome::Finished(Some(stored)) if self.trained.is_none() => {
                let about = stored.about;
                self.trained_generation += 1;
                self.trained = Some((self.trained_generation, Arc::new(stored.model)));
                self.stored_generation = self.trained_generation;
                self.restored_steps = about.steps;
                let drawn_generation = match about.set {
                    PointSet::Drawn
                        if about.drawn_hash == Some(store::points_hash(&self.drawn)) =>
                    {
                        self.drawn_generation
                    }
                    // Drawn points that changed since: never equal to a generation.
                    PointSet::Drawn => u64::MAX,
                    PointSet::Toy(_) => 0,
                };
                self.trained_on = Some(TrainedOn {
                    set: about.set,
                    drawn_generation,
                });
                self.store_error = None;
            }
            JobOutcome::Failed(m) => self.store_error = Some((PtsText::RestoreFailed, m)),
            _ => {}
        }
    }

    fn accept_store(&mut self, outcome: JobOutcome<u64>) {
        match outcome {
            JobOutcome::Finished(_) => self.store_error = None,
            JobOutcome::Failed(m) => self.store_error = Some((PtsText::StoreFailed, m)),
            JobOutcome::Cancelled => {}
        }
    }

    /// Reads the stored model once, and writes each newly trained one, on jobs.
    fn sync_store(&mut self, lab: &LabContext, repaint: &Repaint) {
        let Some(dir) = self.store_dir.clone() else {
            return;
        };
        if !self.store_load_tried && self.trained.is_none() && self.train_job.is_none() {
            self.store_load_tried = true;
            let backend = lab.settings.backend;
            let load_dir = dir.clone();
            self.store_load = Some(jobs::spawn(
                "load-trained-points",
                repaint.clone(),
                move |_ctx| store::load(&load_dir, backend),
            ));
        }
        if let Some(job) = self.store_load.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.store_load = None;
            self.accept_stored(outcome);
        }
        if let Some(job) = self.store_job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.store_job = None;
            self.accept_store(outcome);
        }
        // A finished (or stopped) training run is kept for the next start.
        if self.train_job.is_none()
            && self.store_job.is_none()
            && self.store_load.is_none()
            && let (Some((generation, model)), Some(on)) = (self.trained.clone(), &self.trained_on)
            && generation != self.stored_generation
        {
            self.stored_generation = generation;
            let drawn = (on.set == PointSet::Drawn).then(|| self.drawn.clone());
            let about = store::TrainedHere {
                set: on.set,
                steps: self.trained_steps(),
                drawn_hash: drawn.as_deref().map(store::points_hash),
            };
            self.store_job = Some(jobs::spawn(
                "store-trained-points",
                repaint.clone(),
                move |_ctx| {
                    store::store(&dir, &model, drawn.as_deref(), &about)?;
                    Ok(generation)
                },
            ));
        }
    }

    fn accept_csv(&mut self, path: PathBuf, outcome: JobOutcome<Result<Vec<[f32; 2]>, DataError>>) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match outcome {
            JobOutcome::Finished(Ok(pts)) => {
                self.csv_status = Some(Ok((name, pts.len())));
                self.drawn = pts;
                self.drawn_generation += 1;
                self.set = PointSet::Drawn;
                self.cloud = None;
                self.model = None;
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Finished(Err(e)) => {
                self.csv_status = Some(Err((name, CsvFailure::Data(e))));
            }
            JobOutcome::Failed(m) => self.csv_status = Some(Err((name, CsvFailure::Other(m)))),
        }
        self.csv_status_for = (self.set, self.drawn_generation);
    }

    fn accept_train_events(&mut self, events: Vec<TrainMsg>) {
        for e in events {
            match e {
                TrainMsg::Step { step, loss } => {
                    self.losses.push([step as f64, loss as f64]);
                }
                TrainMsg::Snapshot(m) => {
                    self.trained_generation += 1;
                    self.trained = Some((self.trained_generation, m));
                }
            }
        }
        self.loss_avg = moving_average(&self.losses, 50);
    }

    fn accept_train_outcome(&mut self, outcome: JobOutcome<TrainDone>) {
        match outcome {
            JobOutcome::Finished(done) => {
                if let Some(m) = done.snapshot {
                    self.trained_generation += 1;
                    self.trained = Some((self.trained_generation, m));
                }
                self.session = Some(done.session);
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Failed(m) => self.train_error = Some(m),
        }
    }

    fn accept_save(&mut self, outcome: JobOutcome<PathBuf>) {
        self.save_status_for = self.trained.as_ref().map_or(0, |(g, _)| *g);
        self.save_status = match outcome {
            JobOutcome::Finished(p) => Some(Ok(p)),
            JobOutcome::Cancelled => None,
            JobOutcome::Failed(m) => Some(Err(m)),
        };
    }

    /// Polls jobs and starts what the inputs need. Call once a frame. Never blocks.
    pub fn update(&mut self, ctx: &egui::Context, lab: &LabContext) {
        let repaint = repaint_of(ctx);
        if let Some((_, job)) = self.csv_job.as_mut()
            && let Some(outcome) = job.poll()
            && let Some((path, _)) = self.csv_job.take()
        {
            self.accept_csv(path, outcome);
        }
        if let Some(job) = self.folder_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.folder_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(dir)) => {
                    self.paths.dialog_done();
                    self.model = Some(PointsModel::Source(ModelSource::Folder(dir)));
                }
                JobOutcome::Failed(_) => self.paths.dialog_failed(PathPurpose::ModelFolder),
                _ => self.paths.dialog_came_back_empty(PathPurpose::ModelFolder),
            }
        }
        if let Some(job) = self.csv_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.csv_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(path)) => {
                    self.paths.dialog_done();
                    self.open_points_csv(&path, repaint.clone());
                }
                JobOutcome::Failed(_) => self.paths.dialog_failed(PathPurpose::OpenCsv),
                _ => self.paths.dialog_came_back_empty(PathPurpose::OpenCsv),
            }
        }
        if let Some(job) = self.save_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.save_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(dir)) => {
                    self.paths.dialog_done();
                    self.save_trained(dir, repaint.clone());
                }
                JobOutcome::Failed(_) => self.paths.dialog_failed(PathPurpose::SaveModel),
                _ => self.paths.dialog_came_back_empty(PathPurpose::SaveModel),
            }
        }
        if let Some(job) = self.save_job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.save_job = None;
            self.accept_save(outcome);
        }
        if let Some(key) = self.model_key(lab) {
            let (source, backend) = key.clone();
            self.model_job
                .request(&key, repaint.clone(), move |_ctx| source.load(backend));
        }
        // The model's schedule, built once per model rather than cloned per use.
        if let Some((id, m)) = self.active_model(lab) {
            let h = model_id_hash(&id);
            if self.model_schedule.as_ref().is_none_or(|(k, _)| *k != h) {
                self.model_schedule = Some((h, Arc::new(m.schedule.clone())));
            }
        }
        // Training progress.
        if let Some(mut job) = self.train_job.take() {
            self.accept_train_events(job.drain_events());
            match job.poll() {
                Some(outcome) => {
                    self.accept_train_events(job.drain_events());
                    self.accept_train_outcome(outcome);
                }
                None => self.train_job = Some(job),
            }
        }
        self.sync_store(lab, &repaint);
        // A message goes with the state it describes: the CSV line when the data shown
        // changes, "saved …" when another model is trained.
        if self.csv_status.is_some() && self.csv_status_for != (self.set, self.drawn_generation) {
            self.csv_status = None;
        }
        if self.save_status.is_some()
            && self.trained.as_ref().map_or(0, |(g, _)| *g) != self.save_status_for
        {
            self.save_status = None;
        }
        // The clean cloud.
        let key = (self.set, self.count, self.data_seed, self.drawn_generation);
        if self.cloud.as_ref().is_none_or(|(k, _)| *k != key) {
            let cloud = match self.set {
                PointSet::Toy(kind) => Dataset::open(&DataSpec::new(kind))
                    .map(|(d, _)| d.generate(self.data_seed, self.count))
                    .unwrap_or_default(),
                PointSet::Drawn => self.drawn.iter().flat_map(|p| [p[0], p[1]]).collect(),
            };
            self.cloud = Some((key, Arc::new(cloud)));
        }
        self.update_exact(lab);
        let len = self.cloud.as_ref().map_or(0, |(_, c)| c.len());
        if self
            .eps
            .as_ref()
            .is_none_or(|(k, _)| *k != (len, self.noise_seed))
        {
            self.eps = Some((
                (len, self.noise_seed),
                Arc::new(fixed_noise(len, self.noise_seed)),
            ));
        }
        let big_t = self.schedule(lab).num_steps();
        self.scrubber.t = self.scrubber.t.min(big_t);
        // The reverse run.
        poll_reverse_run(&mut self.run, &mut self.mode, &mut self.reverse_scrubber);
        self.poll_companion();
        // The ε field at the t on screen.
        if self.show_field
            && let Some((id, model)) = self.run_model(lab)
        {
            let t = self.shown_t().clamp(1, model.schedule().num_steps());
            let key = (model_id_hash(&id), t);
            self.field_job.poll();
            if !self.field_job.is_running() {
                self.field_job
                    .request(&key, repaint, move |_ctx| field_arrows(&model, t));
            }
        }
    }

    /// The t on screen (forward t, or the reverse run's t at the scrubbed step).
    pub fn shown_t(&self) -> usize {
        match (self.mode, &self.run) {
            (ViewMode::Reverse, Some(run)) => run
                .traj
                .t_at(self.reverse_scrubber.t)
                .unwrap_or(run.traj.start_t),
            _ => self.scrubber.t,
        }
    }

    /// The points on screen: the forward x_t, or the run's samples at the scrubbed step.
    pub fn shown_points(&self, lab: &LabContext) -> Option<Vec<f32>> {
        match (self.mode, &self.run) {
            (ViewMode::Reverse, Some(run)) => {
                run.traj.view(self.reverse_scrubber.t).map(|v| v.x.to_vec())
            }
            _ => {
                let cloud = self.cloud()?;
                let eps = &self.eps.as_ref()?.1;
                closed_form(&self.schedule(lab), self.scrubber.t, &cloud, eps).ok()
            }
        }
    }

    /// Where the cloud plot was drawn last frame (screen points).
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.plot_rect
    }

    /// The −ε̂ arrows of the latest field (origin x, y, tip x, y) and their t.
    pub fn field(&self) -> Option<(usize, &[[f64; 4]])> {
        let (_, t) = self.field_job.latest_key()?;
        self.field_job.latest().map(|f| (*t, f.as_slice()))
    }

    /// Starts sampling: from fresh noise at T, or from the forward cloud at t.
    pub fn start_reverse(&mut self, lab: &LabContext, from_noise: bool, repaint: Repaint) -> bool {
        let Some((_, model)) = self.run_model(lab) else {
            return false;
        };
        if self.run.as_ref().is_some_and(RunState::is_running) {
            return false;
        }
        let big_t = model.schedule().num_steps();
        let (x_start, start_t) = if from_noise {
            (initial_noise(self.count, 2, self.reverse.seed), big_t)
        } else {
            let t = self.scrubber.t;
            match self.shown_points(lab) {
                Some(x) if t > 0 && !x.is_empty() => (x, t.min(big_t)),
                _ => return false,
            }
        };
        let n = x_start.len() / 2;
        let tracked: Vec<usize> = (0..TRACKED.min(n))
            .map(|i| i * n / TRACKED.min(n).max(1))
            .collect();
        let mut options = self.reverse.options(big_t);
        // Points are not bounded like pixels, so x̂0 is not clipped.
        options.clip_x0 = false;
        let label = self.reverse.label(big_t);
        let request = ReverseRequest {
            model,
            x_start,
            start_t,
            options,
            keep_predictions: false,
            size: None,
        };
        let total = request.planned_steps();
        self.run_generation += 1;
        self.start_companion(&request, &tracked, repaint.clone());
        let job = spawn_reverse(request, repaint);
        show_new_run(
            &mut self.run,
            RunState::new(start_t, total, job, label, tracked),
            &mut self.mode,
            &mut self.reverse_scrubber,
        );
        true
    }

    fn train_config(&self, lab: &LabContext) -> CheckpointConfig {
        let data = match self.set {
            PointSet::Toy(kind) => DataSpec::new(kind),
            PointSet::Drawn => {
                let mut spec = DataSpec::new(DatasetKind::Csv);
                spec.normalization = Some(PointNormalization::identity());
                spec
            }
        };
        let t = &self.training;
        CheckpointConfig::new(
            ModelConfig::Mlp(
                MlpDenoiserConfig::new()
                    .with_hidden(t.hidden.clamp(1, 1024))
                    .with_hidden_layers(t.layers.clamp(1, 8)),
            ),
            // A model trained here uses the schedule chosen in the Schedule panel.
            lab.schedule.spec().clone(),
            PredictionType::Epsilon,
            LossWeighting::Uniform,
            data,
            TrainingConfig::new()
                .with_steps(t.steps.max(1))
                .with_batch_size(t.batch.clamp(1, 65_536))
                .with_learning_rate(t.learning_rate)
                .with_warmup_steps(100)
                .with_seed(t.seed),
        )
    }

    /// Whether the session can continue (same network, data and schedule as asked now).
    pub(super) fn session_matches(&self, lab: &LabContext) -> bool {
        let want = self.train_config(lab);
        self.session.as_ref().is_some_and(|s| {
            let have = s.config();
            have.model == want.model
                && have.schedule == want.schedule
                && have.training.batch_size == want.training.batch_size
                && have.training.learning_rate == want.training.learning_rate
                && have.training.seed == want.training.seed
        }) && self.trained_on.as_ref()
            == Some(&TrainedOn {
                set: self.set,
                drawn_generation: self.drawn_gen_for_training(),
            })
    }

    fn drawn_gen_for_training(&self) -> u64 {
        if self.set == PointSet::Drawn {
            self.drawn_generation
        } else {
            0
        }
    }

    /// Trains `training.steps` more steps (continuing the session when it matches the
    /// current settings, else starting over) on a job.
    pub fn start_training(&mut self, lab: &LabContext, repaint: Repaint) {
        if self.train_job.is_some() {
            return;
        }
        self.train_error = None;
        let session = if self.session_matches(lab) {
            self.session.take()
        } else {
            self.losses.clear();
            self.loss_avg.clear();
            None
        };
        let session = match session {
            Some(s) => s,
            None => {
                let device = match lab.settings.backend.device() {
                    Ok(d) => d,
                    Err(e) => {
                        self.train_error = Some(e.to_string());
                        return;
                    }
                };
                match TrainSession::new(self.train_config(lab), &device) {
                    Ok(s) => s,
                    Err(e) => {
                        self.train_error = Some(e.to_string());
                        return;
                    }
                }
            }
        };
        self.trained_on = Some(TrainedOn {
            set: self.set,
            drawn_generation: self.drawn_gen_for_training(),
        });
        self.model = Some(PointsModel::Trained);
        let steps = self.training.steps.max(1);
        self.train_target = session.step() + steps;
        let source = match self.set {
            PointSet::Toy(kind) => TrainData::Toy(kind),
            PointSet::Drawn => TrainData::Points(self.drawn.clone()),
        };
        self.train_job = Some(jobs::spawn_steps(
            "train-points",
            repaint,
            move |_ctx: &JobContext<TrainMsg>| Training::new(session, steps, source),
            |training: &mut Training, ctx: &JobContext<TrainMsg>| training.step(ctx),
        ));
    }

    /// Asks the training job to stop after its current step (the session is kept).
    pub fn stop_training(&mut self) {
        if let Some(job) = &self.train_job {
            job.cancel();
        }
    }

    /// Saves the trained model to `dir` on a job (drawn points go beside it as
    /// `points.csv`, so the folder trains and evaluates from the CLI too).
    pub fn save_trained(&mut self, dir: PathBuf, repaint: Repaint) {
        let Some((_, model)) = self.trained.clone() else {
            return;
        };
        let drawn = (self.trained_on.as_ref().map(|t| t.set) == Some(PointSet::Drawn))
            .then(|| self.drawn.clone());
        self.save_status = None;
        self.save_job = Some(jobs::spawn("save-points-model", repaint, move |_ctx| {
            crate::fsutil::create_dir_all(&dir)?;
            store::write_model_folder(&dir, &model, drawn.as_deref())?;
            Ok(dir)
        }));
    }
}

pub(super) fn model_id_hash(id: &ModelId) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    match id {
        ModelId::Source(k) => {
            0u8.hash(&mut h);
            k.hash(&mut h);
        }
        ModelId::Trained(g) => {
            1u8.hash(&mut h);
            g.hash(&mut h);
        }
        ModelId::Exact(k) => {
            2u8.hash(&mut h);
            k.hash(&mut h);
        }
        ModelId::TrueMixture(rev) => {
            3u8.hash(&mut h);
            rev.hash(&mut h);
        }
    }
    h.finish()
}

/// −ε̂ on a grid at t, as arrows (origin x, y, tip x, y) scaled so |ε̂| = 1 spans 45 % of
/// the grid spacing (ε̂ is about unit-sized where the model is sure).
fn field_arrows(model: &RunModel, t: usize) -> anyhow::Result<Vec<[f64; 4]>> {
    let n = FIELD_GRID;
    let spacing = 2.0 * FIELD_EXTENT / (n - 1) as f64;
    let mut grid = Vec::with_capacity(2 * n * n);
    for j in 0..n {
        for i in 0..n {
            grid.push((-FIELD_EXTENT + i as f64 * spacing) as f32);
            grid.push((-FIELD_EXTENT + j as f64 * spacing) as f32);
        }
    }
    let p = predict_step(model.denoiser(), model.schedule(), &grid, t, false)?;
    let scale = 0.45 * spacing;
    Ok(grid
        .chunks_exact(2)
        .zip(p.pred_eps.chunks_exact(2))
        .map(|(x, e)| {
            let (x0, y0) = (x[0] as f64, x[1] as f64);
            let (ex, ey) = (e[0] as f64, e[1] as f64);
            // Long arrows are capped at the spacing so neighbours never overlap.
            let len = (ex * ex + ey * ey).sqrt() * scale;
            let k = if len > spacing { spacing / len } else { 1.0 };
            [x0, y0, x0 - ex * scale * k, y0 - ey * scale * k]
        })
        .collect())
}

/// One step's moving average of a loss curve.
fn moving_average(points: &[[f64; 2]], window: usize) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(points.len());
    let mut sum = 0.0;
    for (i, p) in points.iter().enumerate() {
        sum += p[1];
        if i >= window {
            sum -= points[i - window][1];
        }
        let n = (i + 1).min(window) as f64;
        out.push([p[0], sum / n]);
    }
    out
}
