//! The Points panel: forward diffusion of the cloud, the ε field, sampling with the
//! shipped moons model, training in the app (the loss curve grows; stop and continue),
//! drawing with the mouse, a CSV by path, and the screenshot after a reverse run.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::app::denoiser::ModelSource;
use ddpm_lab::egui;
use ddpm_lab::model::data::DatasetKind;
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::image::{SamplerKind, ViewMode};
use ddpm_lab::ui::points::{FIELD_GRID, PointSet, PointsModel, PtsText, TrainSettings};
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn harness_with(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    let mut state = state;
    state.panel = PanelId::Points;
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

/// Runs frames and waits for the panel's jobs until nothing is in flight.
fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    for _ in 0..20 {
        h.step();
        if !h.state().state.points.is_busy() {
            break;
        }
        h.state_mut().state.points.finish_background_work();
    }
    h.run();
}

fn tiny_training() -> TrainSettings {
    TrainSettings {
        steps: 30,
        batch: 64,
        learning_rate: 3e-3,
        hidden: 16,
        layers: 1,
        seed: 5,
    }
}

/// Mean distance from each sample to its nearest data point.
fn mean_nearest(samples: &[f32], data: &[f32]) -> f64 {
    let n = samples.len() / 2;
    samples
        .chunks_exact(2)
        .map(|s| {
            data.chunks_exact(2)
                .map(|d| (((s[0] - d[0]).powi(2) + (s[1] - d[1]).powi(2)) as f64).sqrt())
                .fold(f64::INFINITY, f64::min)
        })
        .sum::<f64>()
        / n as f64
}

#[test]
fn forward_field_and_sampling_with_the_shipped_moons_model() {
    let mut h = harness_with(PersistedState::default());
    let lab = h.state().lab.clone();
    let panel = &h.state().state.points;
    assert_eq!(
        panel.model_choice(),
        PointsModel::Source(ModelSource::Shipped("moons".into()))
    );
    assert!(panel.model_checkpoint(&lab).is_some());
    let data = panel.cloud().unwrap();
    assert_eq!(data.len(), 2 * 1000);
    // t = 0 shows the data itself; t = T is (nearly) N(0, I).
    assert_eq!(panel.shown_points(&lab).unwrap(), data.as_slice());
    h.state_mut().state.points.scrubber.t = 1000;
    settle(&mut h);
    let xt = h.state().state.points.shown_points(&lab).unwrap();
    let var = xt.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / xt.len() as f64;
    assert!((var - 1.0).abs() < 0.1, "Var(x_T) = {var}");
    // The ε field is on the grid at the t on screen.
    h.state_mut().state.points.scrubber.t = 50;
    settle(&mut h);
    let (t, arrows) = h.state().state.points.field().unwrap();
    assert_eq!(t, 50);
    assert_eq!(arrows.len(), FIELD_GRID * FIELD_GRID);
    // Far from the data the arrows point back towards it (inwards).
    let corner = arrows[0];
    assert!(corner[2] > corner[0] && corner[3] > corner[1], "{corner:?}");

    // Sampling from noise with DDIM-20, every step kept; the samples land on the moons.
    h.state_mut().state.points.reverse.sampler = SamplerKind::Ddim;
    h.state_mut().state.points.reverse.ddim_steps = 20;
    h.run();
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    assert_eq!(panel.mode, ViewMode::Reverse);
    let traj = panel.trajectory().unwrap();
    assert!(traj.finished);
    assert_eq!(traj.positions(), 21);
    assert_eq!(traj.t_at(0), Some(1000));
    let samples = traj.result().unwrap().to_vec();
    let near = mean_nearest(&samples, &data);
    assert!(near < 0.05, "mean distance to the data {near}");
    let noise = traj.view(0).unwrap().x.to_vec();
    assert!(mean_nearest(&noise, &data) > 4.0 * near);
    // Scrubbing the run shows each step's samples.
    h.state_mut().state.points.reverse_scrubber.t = 5;
    h.run();
    let lab = h.state().lab.clone();
    let panel = &h.state().state.points;
    assert_eq!(
        panel.shown_points(&lab).unwrap().as_slice(),
        panel.trajectory().unwrap().view(5).unwrap().x
    );
    assert_eq!(
        panel.shown_t(),
        panel.trajectory().unwrap().t_at(5).unwrap()
    );
}

#[test]
fn trains_in_the_app_and_the_loss_curve_grows() {
    let mut state = PersistedState::default();
    state.points.set = PointSet::Toy(DatasetKind::Circles);
    state.points.training = tiny_training();
    let mut h = harness_with(state);
    // No shipped model for circles: the panel offers training.
    assert_eq!(h.state().state.points.model_choice(), PointsModel::Trained);
    assert!(shows(&h, PtsText::NoTrained.en()));
    h.get_by_label(PtsText::Train.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    assert_eq!(panel.losses().len(), 30);
    assert_eq!(panel.trained_steps(), 30);
    assert!(
        panel
            .losses()
            .iter()
            .all(|p| p[1].is_finite() && p[1] > 0.0)
    );
    let lab = h.state().lab.clone();
    assert!(panel.model_checkpoint(&lab).is_some());
    assert!(shows(&h, "30 steps so far"));
    // Continue: the same session goes on from step 31, and the curve grows.
    h.get_by_label(PtsText::Continue.en()).click();
    settle(&mut h);
    let losses = h.state().state.points.losses().to_vec();
    assert_eq!(losses.len(), 60);
    assert_eq!(losses[30][0], 31.0);
    assert!(shows(&h, "60 steps so far"));
    // Stop: asked right after the start, the run ends early and the session stays.
    h.state_mut().state.points.training.steps = 50_000;
    h.run();
    h.get_by_label(PtsText::Continue.en()).click();
    h.step();
    h.state_mut().state.points.stop_training();
    settle(&mut h);
    let panel = &h.state().state.points;
    assert!(!panel.is_training());
    assert!(panel.losses().len() < 60 + 50_000);
    assert!(panel.losses().len() >= 60);
    assert!(shows(&h, PtsText::Continue.en()));
    // Saving writes a folder the CLI and the panel can load.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("circles-model");
    h.state_mut()
        .state
        .points
        .save_trained(out.clone(), ddpm_lab::app::jobs::no_repaint());
    settle(&mut h);
    let device = ddpm_lab::model::BackendKind::Flex.device().unwrap();
    let loaded = ddpm_lab::model::Checkpoint::load(&out, &device).unwrap();
    assert_eq!(loaded.config.data.dataset, DatasetKind::Circles);
}

#[test]
fn drawing_with_the_mouse_and_a_csv_by_path_make_the_data() {
    let mut state = PersistedState::default();
    state.points.set = PointSet::Drawn;
    state.points.training = tiny_training();
    let mut h = harness_with(state);
    assert!(shows(&h, PtsText::NoDrawn.en()));
    let rect = h.state().state.points.plot_rect().unwrap();
    let a = rect.center();
    let b = a + egui::vec2(40.0, -30.0);
    h.hover_at(a);
    h.drag_at(a);
    h.step();
    for k in 1..=5 {
        h.hover_at(a + (b - a) * (k as f32 / 5.0));
        h.step();
    }
    h.drop_at(b);
    settle(&mut h);
    let drawn = h.state().state.points.drawn.len();
    assert!(drawn >= 10, "{drawn} points drawn");
    assert!(shows(&h, &format!("{drawn} points drawn")));
    // The drag went right and up: the points do too (plot y grows upwards).
    let pts = &h.state().state.points.drawn;
    assert!(pts.last().unwrap()[0] > pts[0][0]);
    assert!(pts.last().unwrap()[1] > pts[0][1]);
    // Training works on drawn points.
    h.get_by_label(PtsText::Train.en()).click();
    settle(&mut h);
    assert_eq!(h.state().state.points.losses().len(), 30);

    // A CSV by path (as a drop does) becomes the drawn set, centred and scaled.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pts.csv");
    std::fs::write(&csv, "x,y\n10,20\n12,20\n14,24\n").unwrap();
    h.state_mut().open_path(&csv);
    settle(&mut h);
    let panel = &h.state().state.points;
    assert_eq!(panel.set, PointSet::Drawn);
    assert_eq!(panel.drawn.len(), 3);
    let max = panel
        .drawn
        .iter()
        .flat_map(|p| [p[0].abs(), p[1].abs()])
        .fold(0.0_f32, f32::max);
    assert!((max - 1.0).abs() < 1e-6);
    assert!(shows(&h, "pts.csv: 3 points"));
    // A bad CSV is reported and the points stay.
    std::fs::write(&csv, "x,y\n1,oops\n").unwrap();
    h.state_mut().open_path(&csv);
    settle(&mut h);
    assert_eq!(h.state().state.points.drawn.len(), 3);
    assert!(shows(&h, "Could not read pts.csv"));
}

#[test]
fn points_panel_snapshot_after_sampling() {
    // A short training run (for the loss curve), then samples from the shipped model.
    let mut state = PersistedState::default();
    state.points.training.steps = 300;
    state.points.training.batch = 128;
    let mut h = harness_with(state);
    let lab = h.state().lab.clone();
    h.state_mut()
        .state
        .points
        .start_training(&lab, ddpm_lab::app::jobs::no_repaint());
    settle(&mut h);
    assert_eq!(h.state().state.points.losses().len(), 300);
    h.state_mut().state.points.model = None;
    settle(&mut h);
    assert!(h.state_mut().state.points.start_reverse(
        &lab,
        true,
        ddpm_lab::app::jobs::no_repaint()
    ));
    settle(&mut h);
    let positions = h.state().state.points.trajectory().unwrap().positions();
    h.state_mut().state.points.reverse_scrubber.t = positions - 1;
    settle(&mut h);
    screenshot(&mut h, "points");
}

#[test]
fn choices_persist_and_older_state_files_load() {
    let mut state = PersistedState::default();
    state.points.set = PointSet::Drawn;
    state.points.drawn = vec![[0.1, 0.2], [0.3, -0.4]];
    state.points.training.steps = 123;
    let text = serde_json::to_string(&state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_eq!(back.points.set, PointSet::Drawn);
    assert_eq!(back.points.drawn, state.points.drawn);
    assert_eq!(back.points.training.steps, 123);
    let partial: PersistedState = serde_json::from_str(r#"{"points":{"count":500}}"#).unwrap();
    assert_eq!(partial.points.count, 500);
    assert_eq!(partial.points.training, TrainSettings::default());
}

#[test]
fn korean_labels_render() {
    let mut state = PersistedState::default();
    state.settings.lang = ddpm_lab::app::Lang::Ko;
    let h = harness_with(state);
    if h.state().lab.korean_unavailable {
        assert!(!shows(&h, PtsText::Title.ko()));
        return;
    }
    assert!(shows(&h, PtsText::Title.ko()));
    assert!(shows(&h, PtsText::TrainTitle.ko()));
}

#[test]
fn csv_errors_are_worded_in_korean() {
    use ddpm_lab::ui::points::{data_error_text, points_from_csv};
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "x,y\n1,2\n3,oops\n").unwrap();
    let e = points_from_csv(&csv).unwrap_err();
    let ko = data_error_text(&e, ddpm_lab::app::Lang::Ko);
    assert!(ko.contains("3번째 줄"), "{ko}");
    assert_eq!(data_error_text(&e, ddpm_lab::app::Lang::En), e.to_string());
}

// ---------- what a newcomer tripped on ----------

#[test]
fn a_model_trained_here_is_kept_for_the_next_start() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().join("trained-points");
    let mut state = PersistedState::default();
    state.points.set = PointSet::Toy(DatasetKind::Circles);
    state.points.training = tiny_training();
    state.points.set_store_dir(Some(dir.clone()));
    let mut h = harness_with(state);
    h.get_by_label(PtsText::Train.en()).click();
    settle(&mut h);
    settle(&mut h);
    assert_eq!(h.state().state.points.trained_steps(), 30);
    assert_eq!(h.state().state.points.store_error(), None);
    for file in ["config.json", "model.bpk", "trained_here.json"] {
        assert!(dir.join(file).is_file(), "{file} is kept");
    }
    let lab = h.state().lab.clone();
    let before = h.state().state.points.model_checkpoint(&lab).unwrap();
    let field = |h: &Harness<'static, DdpmLabApp>| {
        h.state().state.points.field().map(|(t, f)| (t, f.to_vec()))
    };
    let field_before = field(&h);
    // A restart: the persisted state through serde (as eframe stores it), a new app.
    let text = serde_json::to_string(&h.state().state).unwrap();
    drop(h);
    let mut back: PersistedState = serde_json::from_str(&text).unwrap();
    back.points.set_store_dir(Some(dir.clone()));
    let mut h = harness_with(back);
    settle(&mut h);
    let panel = &h.state().state.points;
    assert_eq!(panel.model_choice(), PointsModel::Trained);
    let lab = h.state().lab.clone();
    let after = panel.model_checkpoint(&lab).expect("the model came back");
    assert_eq!(after.config, before.config);
    assert_eq!(after.num_params(), before.num_params());
    assert_eq!(panel.trained_steps(), 30);
    assert!(shows(&h, "trained here on circles for 30 steps"));
    assert!(!shows(&h, PtsText::NoTrained.en()));
    // Sampling is on: the model answers.
    assert!(
        !h.get_by_label(PtsText::FromNoise.en())
            .accesskit_node()
            .is_disabled()
    );
    // The same weights: the same ε field at the same t.
    assert_eq!(field(&h), field_before);
    assert!(field_before.is_some());
}

#[test]
fn without_a_trained_model_the_picker_says_so() {
    let mut state = PersistedState::default();
    state.points.set = PointSet::Toy(DatasetKind::Circles);
    state.points.model = Some(PointsModel::Trained);
    let mut h = harness_with(state);
    assert!(shows(&h, PtsText::NoTrained.en()));
    h.get_by_label(PtsText::Model.en()).click();
    h.run();
    assert!(shows(&h, PtsText::TrainedNone.en()));
}

#[test]
fn the_cloud_plot_keeps_its_size_when_a_status_line_appears() {
    let mut h = harness_with(PersistedState::default());
    let before = h.state().state.points.plot_rect().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "x,y\n1,oops\n").unwrap();
    h.state_mut().open_path(&csv);
    settle(&mut h);
    assert!(shows(&h, "Could not read bad.csv"));
    let after = h.state().state.points.plot_rect().unwrap();
    assert_eq!(after.size(), before.size());
}

#[test]
fn a_csv_message_goes_when_the_data_it_describes_changes() {
    let mut h = harness_with(PersistedState::default());
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pts.csv");
    std::fs::write(&csv, "x,y\n10,20\n12,20\n14,24\n").unwrap();
    h.state_mut().open_path(&csv);
    settle(&mut h);
    assert!(shows(&h, "pts.csv: 3 points"));
    // Other data: the line about pts.csv goes.
    h.state_mut().state.points.set = PointSet::Toy(DatasetKind::Moons);
    settle(&mut h);
    assert!(!shows(&h, "pts.csv"));
    // A failure stays while its data is shown, and goes with it.
    std::fs::write(&csv, "x,y\n1,oops\n").unwrap();
    h.state_mut().open_path(&csv);
    settle(&mut h);
    assert!(shows(&h, "Could not read pts.csv"));
    h.run();
    assert!(shows(&h, "Could not read pts.csv"));
    h.state_mut().state.points.set = PointSet::Toy(DatasetKind::Circles);
    settle(&mut h);
    assert!(!shows(&h, "Could not read pts.csv"));
}

#[test]
fn the_ddpm_steps_field_stays_beside_its_label() {
    let mut state = PersistedState::default();
    state.points.reverse.sampler = SamplerKind::Ddpm;
    let h = harness_with(state);
    use ddpm_lab::egui::accesskit::Role;
    let label = h
        .get_by(|n| n.role() == Role::Label && n.value().as_deref() == Some(PtsText::Steps.en()))
        .rect();
    let field = h
        .get_by_role_and_label(Role::SpinButton, PtsText::Steps.en())
        .rect();
    assert!(
        (label.center().y - field.center().y).abs() < 4.0,
        "{label:?} {field:?}"
    );
    assert!(field.min.x >= label.max.x);
}

#[test]
fn a_run_message_goes_when_the_sampler_changes() {
    let mut state = PersistedState::default();
    state.points.reverse.sampler = SamplerKind::Ddim;
    state.points.reverse.ddim_steps = 10;
    let mut h = harness_with(state);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    assert!(shows(&h, "DDIM-10, η = 0.00: 10 steps in"));
    // Back to the same settings after a change shows it again; DDPM hides it.
    h.state_mut().state.points.reverse.sampler = SamplerKind::Ddpm;
    settle(&mut h);
    assert!(!shows(&h, "DDIM-10"));
    assert!(
        h.state().state.points.trajectory().is_some(),
        "the run stays"
    );
    h.state_mut().state.points.reverse.sampler = SamplerKind::Ddim;
    settle(&mut h);
    assert!(shows(&h, "DDIM-10, η = 0.00: 10 steps in"));
}

// ------------------------------------------------------------------ no file dialog

/// Types `path` into the path field labelled `field` (a click gives it focus first).
fn type_path(h: &mut Harness<'static, DdpmLabApp>, field: &str, path: &std::path::Path) {
    use ddpm_lab::egui::accesskit::Role;
    h.get_by_role_and_label(Role::TextInput, field).click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, field)
        .type_text(path.to_str().unwrap());
    h.run();
}

#[test]
fn without_a_file_dialog_every_button_offers_a_path_field() {
    use ddpm_lab::ui::points::PathPurpose;
    let mut state = PersistedState::default();
    state.points.set = PointSet::Toy(DatasetKind::Circles);
    state.points.training = tiny_training();
    let mut h = harness_with(state);
    h.state_mut().state.points.set_file_dialogs_available(false);
    h.run();
    let dir = tempfile::tempdir().unwrap();

    // Open points CSV…: the panel says why and offers the field; the typed CSV loads.
    let csv = dir.path().join("typed.csv");
    std::fs::write(&csv, "x,y\n10,20\n12,20\n14,24\n16,30\n").unwrap();
    h.get_by_label(PtsText::OpenCsv.en()).click();
    h.run();
    assert!(shows(&h, "No file dialog can open here"));
    assert_eq!(
        h.state().state.points.path_entry().map(|e| e.purpose),
        Some(PathPurpose::OpenCsv)
    );
    type_path(&mut h, PtsText::PathCsv.en(), &csv);
    h.get_by_label(PtsText::PathOpen.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    assert_eq!(panel.set, PointSet::Drawn);
    assert_eq!(panel.drawn.len(), 4);
    assert!(panel.path_entry().is_none());
    assert!(shows(&h, "typed.csv: 4 points"));

    // Save to folder…: train a little, then save into a typed folder that loads back.
    h.get_by_label(PtsText::Train.en()).click();
    settle(&mut h);
    assert_eq!(h.state().state.points.trained_steps(), 30);
    let out = dir.path().join("typed-model");
    h.get_by_label(PtsText::Save.en()).click();
    h.run();
    assert_eq!(
        h.state().state.points.path_entry().map(|e| e.purpose),
        Some(PathPurpose::SaveModel)
    );
    assert!(shows(&h, "No file dialog can open here"));
    // What was typed for the CSV stays in the field: replace it.
    h.state_mut().state.points.set_path_text("");
    h.run();
    type_path(&mut h, PtsText::PathSave.en(), &out);
    h.get_by_label(PtsText::PathSaveHere.en()).click();
    settle(&mut h);
    let device = ddpm_lab::model::BackendKind::Flex.device().unwrap();
    let loaded = ddpm_lab::model::Checkpoint::load(&out, &device).unwrap();
    // Trained on the typed CSV's points.
    assert_eq!(loaded.config.data.dataset, DatasetKind::Csv);
    assert!(shows(&h, "saved"));

    // Load model folder…: the typed folder becomes the panel's model.
    h.get_by_label(PtsText::LoadFolder.en()).click();
    h.run();
    assert_eq!(
        h.state().state.points.path_entry().map(|e| e.purpose),
        Some(PathPurpose::ModelFolder)
    );
    h.state_mut().state.points.set_path_text("");
    h.run();
    type_path(&mut h, PtsText::PathFolder.en(), &out);
    h.get_by_label(PtsText::PathUse.en()).click();
    settle(&mut h);
    assert_eq!(
        h.state().state.points.model_choice(),
        PointsModel::Source(ModelSource::Folder(out.clone()))
    );
    let lab = h.state().lab.clone();
    assert!(h.state().state.points.model_checkpoint(&lab).is_some());

    // Cancel closes the field.
    h.get_by_label(PtsText::OpenCsv.en()).click();
    h.run();
    h.get_by_label(ddpm_lab::ui::widgets::path_field::PathText::Cancel.en())
        .click();
    h.run();
    assert!(h.state().state.points.path_entry().is_none());
    assert!(!shows(&h, "No file dialog can open here"));
}
