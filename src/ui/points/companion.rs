//! The other kind of path, from the same starting points: beside a stochastic (SDE) run —
//! DDPM, or DDIM with η > 0 — the probability-flow ODE's paths (DDIM with η = 0 on the same
//! timesteps), and beside a deterministic (ODE) run the DDPM paths on the same number of
//! steps. Only the tracked points take part, so the second run costs a few milliseconds.
//!
//! Both runs start from the same x_t; the ODE's paths are smooth curves that end on the
//! data, the SDE's wander (fresh noise each step) and end elsewhere on the same data. That
//! is the seed's point made visible: the two samplers share every marginal pₜ, not the
//! paths.

use super::*;
use crate::diffusion::VarianceType;
use crate::model::inference::{ReverseOptions, Sampler};

/// Which family the second run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompanionKind {
    /// The probability-flow ODE (DDIM η = 0) beside a stochastic run.
    Ode,
    /// Ancestral DDPM beside a deterministic run.
    Sde,
}

/// The second run: the tracked points only, in the order of the main run's tracked indices.
pub(super) struct CompanionRun {
    pub kind: CompanionKind,
    pub run: ReverseRun<()>,
}

/// The second run's options for a main run's `options`: the other family, on the same
/// timesteps (or as many), with the same noise seed and no clipping.
pub fn companion_options(options: &ReverseOptions) -> (CompanionKind, ReverseOptions) {
    let stochastic = match options.sampler {
        Sampler::Ddpm { .. } => true,
        Sampler::Ddim { eta } => eta > 0.0,
        Sampler::Ode { .. } => false,
    };
    let mut o = options.clone();
    o.clip_x0 = false;
    if stochastic {
        o.sampler = Sampler::Ddim { eta: 0.0 };
        (CompanionKind::Ode, o)
    } else {
        o.sampler = Sampler::Ddpm {
            variance: VarianceType::FixedSmall,
        };
        if matches!(options.sampler, Sampler::Ode { .. }) {
            // The ODE solvers space their σ's themselves; DDPM takes as many steps on
            // the trailing grid the panel's DDIM and DDPM runs use.
            o.spacing = crate::diffusion::TimestepSpacing::Trailing;
        }
        (CompanionKind::Sde, o)
    }
}

impl PointsPanel {
    /// Starts the second run for the main run just started (`request` is its request,
    /// `tracked` the indices whose paths are drawn). Nothing when paths are not compared.
    pub(super) fn start_companion(
        &mut self,
        request: &ReverseRequest,
        tracked: &[usize],
        repaint: Repaint,
    ) {
        if let Some(old) = self.companion.take() {
            old.run.cancel();
        }
        if !self.compare_paths || tracked.is_empty() {
            return;
        }
        let x_start: Vec<f32> = tracked
            .iter()
            .flat_map(|&i| {
                let p = request.x_start.get(2 * i..2 * i + 2).unwrap_or(&[0.0, 0.0]);
                [p[0], p[1]]
            })
            .collect();
        let (kind, options) = companion_options(&request.options);
        let label = options.sampler.label();
        let second = ReverseRequest {
            model: request.model.clone(),
            x_start,
            start_t: request.start_t,
            options,
            keep_predictions: false,
            size: None,
        };
        let total = second.planned_steps();
        let job = spawn_reverse(second, repaint);
        self.companion = Some(CompanionRun {
            kind,
            run: ReverseRun::new(request.start_t, total, job, label, ()),
        });
    }

    /// Takes the second run's new steps (once a frame).
    pub(super) fn poll_companion(&mut self) {
        if let Some(c) = self.companion.as_mut() {
            c.run.poll();
        }
    }

    pub(super) fn cancel_companion(&self) {
        if let Some(c) = &self.companion {
            c.run.cancel();
        }
    }

    /// Which family the second run is, once there is one.
    pub fn companion_kind(&self) -> Option<CompanionKind> {
        self.companion.as_ref().map(|c| c.kind)
    }

    /// The second run's steps so far (tracked points only, in the main run's order).
    pub fn companion_trajectory(&self) -> Option<&Trajectory> {
        self.companion.as_ref().map(|c| &c.run.traj)
    }

    /// The second run's paths down to timestep `t_now` (the main run's t on screen): one
    /// polyline per tracked point, from its start to the last position with t ≥ `t_now`.
    pub fn companion_paths(&self, t_now: usize) -> Vec<Vec<[f64; 2]>> {
        let Some(traj) = self.companion_trajectory() else {
            return Vec::new();
        };
        let positions = traj.positions();
        let n = traj.view(0).map_or(0, |v| v.x.len() / 2);
        (0..n)
            .map(|i| {
                (0..positions)
                    .filter_map(|k| traj.view(k))
                    .take_while(|v| v.t >= t_now)
                    .filter_map(|v| {
                        let p = v.x.get(2 * i..2 * i + 2)?;
                        Some([p[0] as f64, p[1] as f64])
                    })
                    .filter(|p| p[0].is_finite() && p[1].is_finite())
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::{DdpmLabApp, PanelId, PersistedState};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn shape_count(h: &Harness<'_, DdpmLabApp>) -> usize {
        fn count(shape: &egui::Shape) -> usize {
            match shape {
                egui::Shape::Vec(v) => v.iter().map(count).sum(),
                _ => 1,
            }
        }
        h.output().shapes.iter().map(|c| count(&c.shape)).sum()
    }

    fn settle(h: &mut Harness<'_, DdpmLabApp>) {
        for _ in 0..20 {
            h.step();
            if !h.state().state.points.is_busy() {
                break;
            }
            h.state_mut().state.points.finish_background_work();
        }
        h.run_steps(4);
    }

    /// A dashed companion path whose start lies far outside the fixed view (a diverging
    /// run: the companion does not clip x̂₀) is drawn clipped to a box around the view.
    /// Unclipped, egui_plot lays its dashes out along the segment's whole screen length:
    /// from 10⁴ that is ~80 000 dashes, and from where the long monkey run had a path, a
    /// frame of ~16 GB.
    #[test]
    fn a_companion_path_from_far_away_draws_a_bounded_number_of_dashes() {
        let state = PersistedState {
            panel: PanelId::Points,
            ..PersistedState::default()
        };
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 820.0))
            .build_eframe(move |cc| DdpmLabApp::new_with_state(cc, state));
        settle(&mut h);
        h.state_mut().state.points.reverse.sampler = crate::ui::image::SamplerKind::Ddpm;
        h.run_steps(2);
        h.get_by_label(PtsText::FromNoise.en()).click();
        settle(&mut h);
        assert_eq!(
            h.state().state.points.companion_kind(),
            Some(CompanionKind::Ode)
        );
        // Scrubbed to the run's end, where the whole of every path is drawn.
        {
            let panel = &mut h.state_mut().state.points;
            let last = panel.trajectory().expect("a run").positions() - 1;
            panel.reverse_scrubber.t = last;
        }
        h.run_steps(2);
        assert_eq!(h.state().state.points.shown_t(), 0);
        let drawn = shape_count(&h);
        let far = 1e4_f32;
        {
            let panel = &mut h.state_mut().state.points;
            let run = &mut panel.companion.as_mut().expect("a companion run").run;
            let start = &mut run.traj.frames[0].x_t;
            start[0] = far;
            start[1] = -far;
        }
        h.run_steps(2);
        let paths = h.state().state.points.companion_paths(0);
        assert_eq!(
            paths[0][0],
            [far as f64, -far as f64],
            "the far start is drawn"
        );
        let far_drawn = shape_count(&h);
        assert!(
            far_drawn < drawn + 200,
            "{far_drawn} shapes with a path from {far}, {drawn} without"
        );
    }
}
