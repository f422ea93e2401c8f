//! The Image panel: images by path (the code the dialog and a drop use), bad files, the
//! t scrubber, the histogram, a short reverse run with a tiny model, exports, and the
//! screenshot after a reverse run with the shipped model.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::app::denoiser::ModelSource;
use ddpm_lab::diffusion::{PredictionType, ScheduleSpec};
use ddpm_lab::model::checkpoint::{self, CheckpointConfig};
use ddpm_lab::model::data::{DataSpec, DatasetKind};
use ddpm_lab::model::{BackendKind, LossWeighting, ModelConfig, TrainingConfig, UNetConfig};
use ddpm_lab::tolerance::{ROUNDING, assert_close};
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::image::{
    ExportKind, ForwardKind, ImgText, SamplerKind, ViewMode, default_image_model,
};
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};

/// A tiny, untrained UNet folder (1 × 32 × 32, T = 100): fast enough for a test run.
fn tiny_unet_folder(dir: &Path) -> PathBuf {
    let folder = dir.join("tiny-unet");
    std::fs::create_dir_all(&folder).unwrap();
    let config = CheckpointConfig::new(
        ModelConfig::Unet(
            UNetConfig::new()
                .with_channels(vec![8, 8])
                .with_groups(4)
                .with_in_channels(1)
                .with_image_size(32),
        ),
        ScheduleSpec::linear(100, 1e-4, 0.2),
        PredictionType::Epsilon,
        LossWeighting::Uniform,
        DataSpec::new(DatasetKind::Glyphs),
        TrainingConfig::new(),
    );
    checkpoint::write_config(&folder, &config).unwrap();
    let device = BackendKind::Flex.device().unwrap();
    let model = config.model.init_seeded(&device, 1).unwrap();
    checkpoint::save_weights(&folder, &model).unwrap();
    folder
}

fn png_file(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if (x * 8 / w + y * 8 / h).is_multiple_of(2) {
            image::Rgb([240, 240, 240])
        } else {
            image::Rgb([20, 20, 20])
        }
    });
    let path = dir.join(name);
    img.save(&path).unwrap();
    path
}

fn harness_with(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    let mut state = state;
    state.panel = PanelId::Image;
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

fn harness_with_model(folder: &Path) -> Harness<'static, DdpmLabApp> {
    let mut state = PersistedState::default();
    state.image.model = Some(ModelSource::Folder(folder.to_path_buf()));
    harness_with(state)
}

/// Runs frames and waits for the panel's jobs until nothing is in flight, then lets the
/// UI settle. Waiting between frames keeps the test independent of how fast the jobs are.
fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    for _ in 0..20 {
        h.step();
        if !h.state().state.image.is_busy() {
            break;
        }
        h.state_mut().state.image.finish_background_work();
    }
    h.run();
}

fn open(h: &mut Harness<'static, DdpmLabApp>, path: &Path) {
    h.state_mut().open_path(path);
    settle(h);
}

#[test]
fn loads_by_path_scrubs_and_denoises_with_every_step_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    // The model is loaded and its own schedule (T = 100) differs from the Schedule
    // panel's: the panel says so.
    assert!(shows(&h, "differs"));
    let png = png_file(dir.path(), "checker.png", 300, 200);
    open(&mut h, &png);
    let panel = &h.state().state.image;
    assert_eq!(panel.picture_name(), Some("checker.png"));
    assert_eq!(panel.load_error(), None);
    assert!(shows(&h, "300 × 200 px"));
    let x0 = panel.clean_item().unwrap();
    assert_eq!(x0.len(), 32 * 32);
    // The default t (300) is clamped to the model's T = 100.
    assert_eq!(panel.shown().unwrap().t, 100);

    // Scrub: x_t and the histogram follow t within the frame.
    h.state_mut().state.image.scrubber.t = 0;
    settle(&mut h);
    let panel = &h.state().state.image;
    assert_eq!(panel.shown().unwrap().x_t.as_slice(), x0.as_slice());
    let hist0 = panel.histogram().unwrap().clone();
    assert_eq!(hist0.t, 0);
    assert_close(hist0.expected_variance, hist0.variance, ROUNDING);
    h.state_mut().state.image.scrubber.t = 60;
    settle(&mut h);
    let panel = &h.state().state.image;
    let hist = panel.histogram().unwrap().clone();
    assert_eq!(hist.t, 60);
    assert_ne!(hist.bars, hist0.bars);
    assert!(shows(&h, "t = 60"));
    // The prediction for this t arrived (ε̂, x̂0, μ̃ of the right size).
    let pred = panel.shown().unwrap().prediction.clone().unwrap();
    assert_eq!(pred.t, 60);
    assert_eq!(pred.pred_eps.len(), 1024);
    assert!(!panel.shown().unwrap().prediction_stale);

    // The iterated chain (fresh ε each step) instead of the closed form: another x_t at
    // the same t, with the same distribution.
    let closed = panel.shown().unwrap().x_t.clone();
    h.state_mut().state.image.forward_kind = ForwardKind::Chain;
    settle(&mut h);
    let panel = &h.state().state.image;
    let chain = panel.shown().unwrap().x_t.clone();
    assert_eq!(panel.shown().unwrap().t, 60);
    assert_ne!(chain, closed);
    let hist = panel.histogram().unwrap();
    let se = (hist.expected_variance / chain.len() as f64).sqrt();
    assert!(
        (hist.mean - hist.expected_mean).abs() < 5.0 * se,
        "{} vs {}",
        hist.mean,
        hist.expected_mean
    );
    h.state_mut().state.image.forward_kind = ForwardKind::ClosedForm;
    settle(&mut h);
    assert_eq!(h.state().state.image.shown().unwrap().x_t, closed);

    // A short DDIM run from here, started with the button.
    h.state_mut().state.image.reverse.sampler = SamplerKind::Ddim;
    h.state_mut().state.image.reverse.ddim_steps = 10;
    h.run();
    h.get_by_label(&ImgText::DenoiseFrom.en().replace("{0}", "60"))
        .click();
    settle(&mut h);
    let panel = &h.state().state.image;
    let traj = panel.trajectory().unwrap();
    assert!(traj.finished);
    assert_eq!(traj.t_at(0), Some(60));
    // 60 and the grid points below it (every 10 on the 100-step grid) down to 0.
    assert_eq!(traj.positions(), 7);
    assert_eq!(traj.t_at(traj.positions() - 1), Some(0));
    assert_eq!(panel.mode, ViewMode::Reverse);
    // Scrubbing through the run is a lookup: every position shows its own frame.
    let last = traj.positions() - 1;
    let mut seen = Vec::new();
    for k in [0, 3, last, 1] {
        h.state_mut().state.image.reverse_scrubber.t = k;
        h.run();
        let panel = &h.state().state.image;
        let shown = panel.shown().unwrap();
        let view = panel.trajectory().unwrap().view(k).unwrap();
        assert_eq!(shown.t, view.t);
        assert_eq!(shown.x_t.as_slice(), view.x);
        assert_eq!(panel.histogram().unwrap().t, view.t);
        seen.push(panel.histogram().unwrap().bars.clone());
    }
    assert_ne!(seen[0], seen[2], "the histogram follows the reverse steps");
    assert!(shows(&h, "DDIM-10"));
}

#[test]
fn bad_files_show_an_error_and_keep_the_previous_image() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(PersistedState::default());
    let good = png_file(dir.path(), "good.png", 64, 64);
    open(&mut h, &good);
    assert_eq!(h.state().state.image.picture_name(), Some("good.png"));
    let x0 = h.state().state.image.clean_item().unwrap();

    // Corrupt: a PNG cut short.
    let bytes = std::fs::read(&good).unwrap();
    let corrupt = dir.path().join("corrupt.png");
    std::fs::write(&corrupt, &bytes[..bytes.len() / 3]).unwrap();
    // Wrong type: text with an image extension.
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "these are notes, not a picture").unwrap();
    // Huge: over the size limit (a sparse file; nothing is read).
    let huge = dir.path().join("huge.png");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(ddpm_lab::app::image_input::MAX_IMAGE_FILE_BYTES + 1)
        .unwrap();
    for (path, why) in [
        (&corrupt, "damaged"),
        (&text, "not an image"),
        (&huge, "over the"),
    ] {
        open(&mut h, path);
        let panel = &h.state().state.image;
        let err = panel.load_error().unwrap_or_default().to_string();
        assert!(err.contains(why), "{}: {err}", path.display());
        assert_eq!(panel.picture_name(), Some("good.png"));
        assert_eq!(panel.clean_item().unwrap().as_slice(), x0.as_slice());
        assert!(shows(&h, "The previous image stays"));
    }
    // A type no panel takes goes to the shell's notice and changes nothing.
    open(&mut h, &dir.path().join("notes.txt"));
    assert!(
        h.state()
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("notes.txt")
    );
    assert_eq!(h.state().state.image.picture_name(), Some("good.png"));
}

#[test]
fn exports_write_a_gif_a_strip_and_a_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    h.state_mut().state.image.scrubber.t = 40;
    h.state_mut().state.image.reverse.ddim_steps = 10;
    settle(&mut h);
    let lab = h.state().lab.clone();
    let repaint = ddpm_lab::app::jobs::no_repaint();
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, repaint.clone())
    );
    settle(&mut h);
    for (kind, name) in [
        (ExportKind::Gif, "run.gif"),
        (ExportKind::Strip, "strip.png"),
        (ExportKind::Frame, "frame.png"),
    ] {
        let target = dir.path().join(name);
        h.state_mut()
            .state
            .image
            .export(kind, Some(target.clone()), &lab, repaint.clone());
        settle(&mut h);
        assert_eq!(
            h.state().state.image.export_status(),
            Some(&Ok(target.clone()))
        );
        let img = image::open(&target).unwrap();
        match kind {
            // x_t beside x̂0, ×4.
            ExportKind::Gif => assert_eq!((img.width(), img.height()), (2 * 128 + 4, 128)),
            // 5 positions (40, 30, 20, 10, 0) in two rows.
            ExportKind::Strip => assert_eq!((img.width(), img.height()), (5 * 128 + 16, 260)),
            // x0, x_t, ε̂, x̂0, μ̃ at ×8.
            ExportKind::Frame => assert_eq!(img.width(), 5 * 256 + 4 * 8),
        }
    }
    // No temporary files are left beside the outputs.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn image_panel_snapshot_after_a_reverse_run() {
    // The app's default: the shipped glyphs UNet, embedded in the binary.
    assert_eq!(
        default_image_model(),
        Some(ModelSource::Shipped("glyphs".into())),
        "the Image screenshot needs the glyphs UNet in assets/models/glyphs"
    );
    let mut state = PersistedState::default();
    state.image.scrubber.t = 400;
    state.image.reverse.ddim_steps = 50;
    let mut h = harness_with(state);
    let lab = h.state().lab.clone();
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, ddpm_lab::app::jobs::no_repaint())
    );
    settle(&mut h);
    let positions = h.state().state.image.trajectory().unwrap().positions();
    h.state_mut().state.image.reverse_scrubber.t = positions * 2 / 3;
    settle(&mut h);
    screenshot(&mut h, "image");
}

#[test]
fn choices_persist_and_older_state_files_load() {
    let mut state = PersistedState::default();
    state.image.noise_seed = 5;
    state.image.scrubber.t = 77;
    state.image.reverse.sampler = SamplerKind::Ddpm;
    state.image.model = Some(ModelSource::Folder("/models/x".into()));
    let text = serde_json::to_string(&state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_eq!(back.image.noise_seed, 5);
    assert_eq!(back.image.scrubber.t, 77);
    assert_eq!(back.image.reverse.sampler, SamplerKind::Ddpm);
    assert_eq!(back.image.model, state.image.model);
    let partial: PersistedState = serde_json::from_str(r#"{"image":{"noise_seed":9}}"#).unwrap();
    assert_eq!(partial.image.noise_seed, 9);
    assert_eq!(partial.image.reverse.ddim_steps, 50);
}

#[test]
fn a_stored_file_that_is_gone_falls_back_to_the_default_sample() {
    let mut state = PersistedState::default();
    state.image.choice = ddpm_lab::ui::image::ImageChoice::File("/no/such/picture.png".into());
    let h = harness_with(state);
    let panel = &h.state().state.image;
    assert_eq!(panel.picture_name(), Some("glyph"));
    assert!(panel.load_error().unwrap().contains("picture.png"));
    assert!(panel.clean_item().is_some());
}

#[test]
fn korean_labels_render() {
    let mut state = PersistedState::default();
    state.settings.lang = ddpm_lab::app::Lang::Ko;
    let h = harness_with(state);
    if h.state().lab.korean_unavailable {
        assert!(!shows(&h, ImgText::Title.ko()));
        return;
    }
    assert!(shows(&h, ImgText::Title.ko()));
    assert!(shows(&h, ImgText::ReverseTitle.ko()));
}

#[test]
fn load_errors_are_worded_in_korean() {
    use ddpm_lab::app::image_input::decode_image;
    use ddpm_lab::ui::image::image_load_error_text;
    let bad = decode_image(b"not an image", Path::new("/tmp/a.png")).unwrap_err();
    let ko = image_load_error_text(&bad, ddpm_lab::app::Lang::Ko);
    assert!(
        ko.contains("/tmp/a.png") && ko.contains("이미지가 아닙니다"),
        "{ko}"
    );
    assert_eq!(
        image_load_error_text(&bad, ddpm_lab::app::Lang::En),
        bad.to_string()
    );
}

#[test]
fn cancel_stops_a_long_run_and_keeps_its_steps() {
    // DDPM over all 1 000 steps of the shipped glyphs UNet takes seconds; Cancel is
    // clicked within a few frames of the start.
    let mut state = PersistedState::default();
    state.image.scrubber.t = 1000;
    state.image.reverse.sampler = SamplerKind::Ddpm;
    let mut h = harness_with(state);
    h.get_by_label(&ImgText::DenoiseFrom.en().replace("{0}", "1000"))
        .click();
    // Wait (bounded) for the first steps to arrive, so there is something to keep.
    let started = std::time::Instant::now();
    loop {
        h.step();
        let arrived = h
            .state()
            .state
            .image
            .trajectory()
            .map_or(0, |t| t.positions());
        if arrived >= 2 || started.elapsed() > std::time::Duration::from_secs(20) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(h.state().state.image.is_busy(), "the run is in flight");
    // Through accesskit (the button's id), not a pointer at last frame's position: the
    // row moves while steps stream in, which would make a pointer click a race.
    h.get_by_label(ImgText::Cancel.en()).click_accesskit();
    settle(&mut h);
    let panel = &h.state().state.image;
    assert!(!panel.is_busy());
    let traj = panel.trajectory().unwrap();
    assert!(!traj.finished);
    let kept = traj.positions();
    assert!((1..1001).contains(&kept), "kept {kept} of 1001 positions");
    assert_eq!(traj.t_at(0), Some(1000));
    // What was computed stays scrubbable, and the panel says the run was cancelled.
    assert!(shows(&h, "cancelled after"));
    let last = kept - 1;
    h.state_mut().state.image.reverse_scrubber.t = last;
    h.run();
    let panel = &h.state().state.image;
    let view = panel.trajectory().unwrap().view(last).unwrap();
    assert_eq!(panel.shown().unwrap().t, view.t);
    assert_eq!(panel.shown().unwrap().x_t.as_slice(), view.x);
}
