//! The Image panel: images by path (the code the dialog and a drop use), bad files, the
//! t scrubber, the histogram, a short reverse run with a tiny model, exports, and the
//! screenshot after a reverse run with the shipped model.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::app::denoiser::ModelSource;
use ddpm_lab::app::image_input::BundledPhoto;
use ddpm_lab::diffusion::{PredictionType, ScheduleSpec};
use ddpm_lab::model::checkpoint::{self, CheckpointConfig};
use ddpm_lab::model::data::{DataSpec, DatasetKind};
use ddpm_lab::model::{BackendKind, LossWeighting, ModelConfig, TrainingConfig, UNetConfig};
use ddpm_lab::tolerance::{ROUNDING, assert_close};
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::image::{
    ExportKind, ForwardKind, HistReference, ImageChoice, ImgText, PathPurpose, SamplerKind,
    ViewMode, default_image_model, default_model_among,
};
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};

/// A tiny, untrained UNet folder (1 × 32 × 32, T = 100): fast enough for a test run.
fn tiny_unet_folder(dir: &Path) -> PathBuf {
    tiny_unet_folder_with(dir, 1)
}

/// The same with `channels` image channels (3: a colour model).
fn tiny_unet_folder_with(dir: &Path, channels: usize) -> PathBuf {
    let folder = dir.join(format!("tiny-unet-{channels}"));
    std::fs::create_dir_all(&folder).unwrap();
    let config = CheckpointConfig::new(
        ModelConfig::Unet(
            UNetConfig::new()
                .with_channels(vec![8, 8])
                .with_groups(4)
                .with_in_channels(channels)
                .with_image_size(32),
        ),
        ScheduleSpec::linear(100, 1e-4, 0.2),
        PredictionType::Epsilon,
        LossWeighting::Uniform,
        DataSpec::new(if channels == 3 {
            DatasetKind::Shapes
        } else {
            DatasetKind::Glyphs
        }),
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
    // A fixed number of frames, not `run()`: a theme or layout animation may keep asking
    // for repaints a few frames longer than `run()` allows, depending on timing.
    h.run_steps(8);
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
    // A file is worked on at 128 × 128 (centre crop) unless another size is picked; the
    // panel says so.
    assert!(shows(&h, "centre-cropped and resized to 128 × 128"));
    let x0 = panel.clean_item().unwrap();
    assert_eq!(x0.len(), 128 * 128);
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
    assert_eq!(pred.pred_eps.len(), 128 * 128);
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
    // DDPM over all 1 000 steps of the shipped glyphs UNet at 128 × 128 takes far longer
    // than the few frames before Cancel is clicked (at the model's own 32 × 32 a fast
    // machine could finish the run first).
    let mut state = PersistedState::default();
    state.image.work_size = Some(128);
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
    // The step line counts out of the run's 1 000 planned steps (as its progress bar
    // did), not out of the steps it got to.
    assert!(
        shows(&h, &format!("step {last} of 1000 · t = {}", 1000 - last)),
        "step line of a cancelled run"
    );
    let panel = &h.state().state.image;
    let view = panel.trajectory().unwrap().view(last).unwrap();
    assert_eq!(panel.shown().unwrap().t, view.t);
    assert_eq!(panel.shown().unwrap().x_t.as_slice(), view.x);
}

// ------------------------------------------------------------------ colour, full size

/// (channels differ somewhere by more than `margin`) for a channel-first RGB item.
fn has_colour(item: &[f32], margin: f32) -> bool {
    let n = item.len() / 3;
    (0..n).any(|i| {
        let (r, g, b) = (item[i], item[n + i], item[2 * n + i]);
        (r - g).abs() > margin || (g - b).abs() > margin
    })
}

#[test]
fn a_colour_photo_is_noised_and_denoised_in_colour_at_the_chosen_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder_with(dir.path(), 3));
    // The bundled cat, at 64 × 64, through the picture and size pickers' code.
    h.state_mut().state.image.use_photo(BundledPhoto::Cat);
    h.state_mut().state.image.work_size = Some(64);
    h.state_mut().state.image.scrubber.t = 40;
    settle(&mut h);
    let panel = &h.state().state.image;
    assert_eq!(panel.choice, ImageChoice::Photo(BundledPhoto::Cat));
    assert!(shows(
        &h,
        "256 × 256 px, centre-cropped and resized to 64 × 64 (RGB)"
    ));
    let x0 = panel.clean_item().unwrap();
    assert_eq!(x0.len(), 3 * 64 * 64);
    assert!(has_colour(&x0, 0.2), "the cat is in colour");
    let shown = panel.shown().unwrap();
    assert_eq!(shown.x_t.len(), 3 * 64 * 64);
    let pred = shown.prediction.clone().unwrap();
    assert_eq!(pred.pred_x0.len(), 3 * 64 * 64);
    // The histogram counts all three channels, or one when asked.
    assert_eq!(panel.histogram().unwrap().channel, None);
    assert!(shows(&h, "R, G and B together"));
    h.state_mut().state.image.hist_channel = Some(0);
    settle(&mut h);
    assert_eq!(h.state().state.image.histogram().unwrap().channel, Some(0));
    assert!(shows(&h, "red channel"));

    // A short DDIM run from t = 40, started with the button.
    h.state_mut().state.image.reverse.ddim_steps = 10;
    h.run();
    h.get_by_label(&ImgText::DenoiseFrom.en().replace("{0}", "40"))
        .click();
    settle(&mut h);
    let panel = &h.state().state.image;
    let traj = panel.trajectory().unwrap();
    assert!(traj.finished);
    let last = traj.positions() - 1;
    let end = traj.view(last).unwrap();
    assert_eq!(end.t, 0);
    assert_eq!(end.x.len(), 3 * 64 * 64);
    assert!(has_colour(end.x, 0.2), "the denoised picture is in colour");
    // Scrubbed to that last frame, the panel shows it at 64 × 64 in colour.
    h.state_mut().state.image.reverse_scrubber.t = last;
    h.run();
    let panel = &h.state().state.image;
    let shown = panel.shown().unwrap();
    assert_eq!(shown.t, 0);
    assert_eq!(shown.x_t.len(), 3 * 64 * 64);
    assert!(has_colour(&shown.x_t, 0.2));
    // The exported frame is colour at one pixel per pixel ×4 (64 → 256).
    let target = dir.path().join("frame.png");
    let lab = h.state().lab.clone();
    h.state_mut().state.image.export(
        ExportKind::Frame,
        Some(target.clone()),
        &lab,
        ddpm_lab::app::jobs::no_repaint(),
    );
    settle(&mut h);
    let img = image::open(&target).unwrap().to_rgb8();
    assert_eq!(img.height(), 256);
    let coloured = img
        .pixels()
        .filter(|p| p.0[0].abs_diff(p.0[1]) > 20 || p.0[1].abs_diff(p.0[2]) > 20)
        .count();
    assert!(coloured > 1000, "{coloured} coloured pixels");
}

#[test]
fn a_grey_model_sees_a_colour_photo_as_luminance() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    h.state_mut().state.image.use_photo(BundledPhoto::Coffee);
    h.state_mut().state.image.work_size = Some(64);
    settle(&mut h);
    let panel = &h.state().state.image;
    assert_eq!(panel.clean_item().unwrap().len(), 64 * 64);
    assert!(shows(&h, "(grayscale)"));
    assert!(panel.shown().unwrap().prediction.is_some());
}

#[test]
fn the_default_model_follows_the_picture() {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let shipped = |n: &str| Some(ModelSource::Shipped(n.into()));
    let both = names(&["glyphs", "natural", "moons"]);
    assert_eq!(default_model_among(&both, true), shipped("natural"));
    assert_eq!(default_model_among(&both, false), shipped("glyphs"));
    // Without a natural model, photos fall back to the glyph model.
    let glyphs_only = names(&["glyphs"]);
    assert_eq!(default_model_among(&glyphs_only, true), shipped("glyphs"));
    assert_eq!(default_model_among(&[], true), None);
    // In the panel: digits use glyphs; a photo uses natural when this build has it.
    let mut h = harness_with(PersistedState::default());
    assert_eq!(h.state().state.image.model_source(), shipped("glyphs"));
    h.state_mut().state.image.use_photo(BundledPhoto::Rocket);
    let has_natural = ddpm_lab::model::shipped::find("natural").is_some();
    assert_eq!(
        h.state().state.image.model_source(),
        shipped(if has_natural { "natural" } else { "glyphs" })
    );
}

#[test]
fn bad_sizes_are_clear_errors_in_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    // Two resolutions: the side must be a multiple of 2.
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    for (size, needle) in [
        (31, "not a multiple of 2"),
        (0, "at least 1 pixel"),
        (1024, "larger than the limit of 512"),
    ] {
        h.state_mut().state.image.work_size = Some(size);
        settle(&mut h);
        let panel = &h.state().state.image;
        assert!(panel.size_error(&h.state().lab).is_some(), "{size}");
        assert!(shows(&h, needle), "{size}: `{needle}` is said");
        assert!(shows(&h, "The model's own size, 32 × 32, is used instead"));
        // The panel keeps working at the model's own size; denoising waits for a size
        // that works.
        assert_eq!(panel.clean_item().unwrap().len(), 32 * 32);
        let lab = h.state().lab.clone();
        assert!(
            !h.state_mut()
                .state
                .image
                .start_reverse(&lab, ddpm_lab::app::jobs::no_repaint())
        );
    }
    h.state_mut().state.image.work_size = Some(64);
    settle(&mut h);
    assert!(!shows(&h, "cannot be used"));
    assert_eq!(h.state().state.image.clean_item().unwrap().len(), 64 * 64);
}

#[test]
fn photo_at_128_before_a_reverse_run_snapshot() {
    // With the app's default model for photos (natural when shipped, else glyphs).
    let mut state = PersistedState::default();
    state.image.choice = ImageChoice::Photo(BundledPhoto::Cat);
    state.image.work_size = Some(128);
    state.image.scrubber.t = 200;
    let mut h = harness_with(state);
    let panel = &h.state().state.image;
    assert_eq!(panel.item_shape(&h.state().lab).1, 128);
    assert!(panel.shown().unwrap().prediction.is_some());
    screenshot(&mut h, "image_photo_128");
}

// ------------------------------------------------------------------ no file dialog

#[test]
fn photo_at_128_after_a_ddim_run_from_200_restores_the_photo_snapshot() {
    // The shipped natural model (the default for photos), DDIM-50 from t = 200 at 128².
    assert!(
        ddpm_lab::model::shipped::find("natural").is_some(),
        "this test needs assets/models/natural"
    );
    let mut state = PersistedState::default();
    state.image.choice = ImageChoice::Photo(BundledPhoto::Cat);
    state.image.work_size = Some(128);
    state.image.scrubber.t = 200;
    state.image.reverse.sampler = SamplerKind::Ddim;
    state.image.reverse.ddim_steps = 50;
    let mut h = harness_with(state);
    settle(&mut h);
    assert_eq!(
        h.state().state.image.model_source(),
        Some(ModelSource::Shipped("natural".into()))
    );
    let lab = h.state().lab.clone();
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, ddpm_lab::app::jobs::no_repaint())
    );
    settle(&mut h);
    let panel = &h.state().state.image;
    let x0 = panel.clean_item().unwrap();
    let traj = panel.trajectory().unwrap();
    assert!(traj.finished);
    let last = traj.positions() - 1;
    let start = traj.view(0).unwrap();
    assert_eq!(start.t, 200);
    let end = traj.view(last).unwrap();
    assert_eq!(end.t, 0);
    assert_eq!(end.x.len(), 3 * 128 * 128);
    // Recognisably the same photo: the result is far closer to the clean cat than the
    // noisy start was (as x_200/√ᾱ_200), and in colour.
    let schedule = ScheduleSpec::linear(1000, 1e-4, 0.02).build().unwrap();
    let scale = schedule.alpha_bar(200).sqrt() as f32;
    let noisy: Vec<f32> = start
        .x
        .iter()
        .map(|v| (v / scale).clamp(-1.0, 1.0))
        .collect();
    let psnr_start = ddpm_lab::model::photo_eval::psnr(&x0, &noisy);
    let psnr_end = ddpm_lab::model::photo_eval::psnr(&x0, end.x);
    assert!(
        psnr_end > psnr_start + 8.0 && psnr_end > 20.0,
        "start {psnr_start:.2} dB, end {psnr_end:.2} dB"
    );
    assert!(has_colour(end.x, 0.2));
    h.state_mut().state.image.reverse_scrubber.t = last;
    settle(&mut h);
    screenshot(&mut h, "image_photo_128_after");
}

#[test]
fn without_a_file_dialog_every_button_offers_a_path_field() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tiny_unet_folder(dir.path());
    let png = png_file(dir.path(), "typed.png", 40, 40);
    let mut h = harness_with(PersistedState::default());
    h.state_mut().state.image.set_file_dialogs_available(false);
    h.run();
    let type_path = |h: &mut Harness<'static, DdpmLabApp>, field: &str, path: &Path| {
        let node = h.get_by_role_and_label(ddpm_lab::egui::accesskit::Role::TextInput, field);
        node.click();
        h.run();
        h.get_by_role_and_label(ddpm_lab::egui::accesskit::Role::TextInput, field)
            .type_text(path.to_str().unwrap());
        h.run();
    };

    // Open image…
    h.get_by_label(ImgText::OpenImage.en()).click();
    h.run();
    assert!(shows(&h, "No file dialog can open here"));
    assert_eq!(
        h.state().state.image.path_entry().map(|e| e.purpose),
        Some(PathPurpose::OpenImage)
    );
    type_path(&mut h, ImgText::PathImage.en(), &png);
    h.get_by_label(ImgText::PathOpen.en()).click();
    settle(&mut h);
    assert_eq!(h.state().state.image.picture_name(), Some("typed.png"));
    assert!(h.state().state.image.path_entry().is_none());

    // Load model folder…
    h.get_by_label(ImgText::LoadFolder.en()).click();
    h.run();
    assert!(shows(&h, "No file dialog can open here"));
    type_path(&mut h, ImgText::PathFolder.en(), &folder);
    h.get_by_label(ImgText::PathUse.en()).click();
    settle(&mut h);
    assert_eq!(
        h.state().state.image.model_source(),
        Some(ModelSource::Folder(folder.clone()))
    );

    // Save this frame…
    let target = dir.path().join("typed-frame.png");
    h.get_by_label(ImgText::SaveFrame.en()).click();
    h.run();
    assert_eq!(
        h.state().state.image.path_entry().map(|e| e.purpose),
        Some(PathPurpose::Save(ExportKind::Frame))
    );
    // The folder typed before stays in the field: clear it first.
    h.state_mut().state.image.cancel_path();
    h.run();
    h.get_by_label(ImgText::SaveFrame.en()).click();
    h.run();
    type_path(&mut h, ImgText::PathSave.en(), &target);
    h.get_by_label(ImgText::PathSaveHere.en()).click();
    settle(&mut h);
    assert_eq!(
        h.state().state.image.export_status(),
        Some(&Ok(target.clone()))
    );
    assert!(image::open(&target).is_ok());
}

// ------------------------------------------------------------------ honest numbers

#[test]
fn in_reverse_the_histogram_compares_with_the_runs_own_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    h.state_mut().state.image.scrubber.t = 80;
    settle(&mut h);
    assert_eq!(
        h.state().state.image.histogram().unwrap().reference,
        HistReference::CleanPicture
    );
    assert!(shows(&h, "expected from the picture"));
    h.state_mut().state.image.reverse.ddim_steps = 10;
    let lab = h.state().lab.clone();
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, ddpm_lab::app::jobs::no_repaint())
    );
    settle(&mut h);
    h.state_mut().state.image.reverse_scrubber.t = 3;
    settle(&mut h);
    let panel = &h.state().state.image;
    let view = panel.trajectory().unwrap().view(3).unwrap();
    let hist = panel.histogram().unwrap();
    assert_eq!(
        hist.reference,
        HistReference::RunPrediction {
            predicted_at: view.predicted_at
        }
    );
    // The expected mean is √ᾱ_t times the mean of this step's x̂0, not of the picture.
    let schedule = panel.schedule(&h.state().lab);
    let mean_x0hat =
        view.pred_x0.iter().map(|&v| v as f64).sum::<f64>() / view.pred_x0.len() as f64;
    assert_close(
        hist.expected_mean,
        schedule.alpha_bar(view.t).sqrt() * mean_x0hat,
        ddpm_lab::tolerance::SINGLE,
    );
    assert!(shows(&h, "expected if x₀ were this step's x̂₀"));
    assert!(shows(&h, "expected from this step's x̂₀"));
    assert!(!shows(&h, "expected from the picture"));
}

#[test]
fn the_step_line_and_the_progress_bar_count_the_same_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    h.state_mut().state.image.scrubber.t = 100;
    h.state_mut().state.image.reverse.sampler = SamplerKind::Ddpm;
    settle(&mut h);
    let lab = h.state().lab.clone();
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, ddpm_lab::app::jobs::no_repaint())
    );
    // Stop after the first steps: the line counts out of the run's 100 planned steps,
    // not out of the steps received so far.
    let started = std::time::Instant::now();
    loop {
        h.step();
        let got = h
            .state()
            .state
            .image
            .trajectory()
            .map_or(0, |t| t.frames.len());
        if got >= 3 || started.elapsed() > std::time::Duration::from_secs(20) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    h.get_by_label(ImgText::Cancel.en()).click_accesskit();
    settle(&mut h);
    h.state_mut().state.image.reverse_scrubber.t = 2;
    h.run();
    assert!(
        shows(&h, "step 2 of 100 · t = 98"),
        "the step line counts out of 100"
    );
    // A whole run ends at step 100 of 100.
    h.state_mut().state.image.mode = ViewMode::Forward;
    settle(&mut h);
    let lab = h.state().lab.clone();
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, ddpm_lab::app::jobs::no_repaint())
    );
    settle(&mut h);
    let last = h.state().state.image.trajectory().unwrap().positions() - 1;
    assert_eq!(last, 100);
    h.state_mut().state.image.reverse_scrubber.t = last;
    h.run();
    assert!(shows(&h, "step 100 of 100 · t = 0"));
}

#[test]
fn messages_go_when_the_state_they_describe_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with_model(&tiny_unet_folder(dir.path()));
    let lab = h.state().lab.clone();
    let repaint = ddpm_lab::app::jobs::no_repaint();
    // "saved …/frame.png" goes with the picture it was saved from.
    let target = dir.path().join("frame.png");
    h.state_mut().state.image.export(
        ExportKind::Frame,
        Some(target.clone()),
        &lab,
        repaint.clone(),
    );
    settle(&mut h);
    assert!(shows(&h, "saved "));
    open(&mut h, &png_file(dir.path(), "next.png", 32, 32));
    assert!(!shows(&h, "saved "));
    assert_eq!(h.state().state.image.export_status(), None);

    // "bad.png could not be used" goes once the user moves on.
    let bad = dir.path().join("bad.png");
    std::fs::write(&bad, "not a picture").unwrap();
    open(&mut h, &bad);
    assert!(shows(&h, "Could not use bad.png"));
    h.run();
    assert!(
        shows(&h, "Could not use bad.png"),
        "it stays while nothing changes"
    );
    h.state_mut().state.image.scrubber.t = 12;
    settle(&mut h);
    assert!(!shows(&h, "Could not use bad.png"));
    assert_eq!(h.state().state.image.load_error(), None);

    // "DDIM-10 … s" goes when another sampler is chosen.
    h.state_mut().state.image.reverse.ddim_steps = 10;
    assert!(
        h.state_mut()
            .state
            .image
            .start_reverse(&lab, repaint.clone())
    );
    settle(&mut h);
    assert!(shows(&h, "DDIM-10, η = 0.00: "));
    h.state_mut().state.image.reverse.sampler = SamplerKind::Ddpm;
    settle(&mut h);
    assert!(!shows(&h, "DDIM-10, η = 0.00: "));

    // A model folder that fails to load leaves the picker (back to the default model),
    // and the panel says which one failed.
    let missing = dir.path().join("no-model-here");
    h.state_mut().state.image.use_model_folder(missing.clone());
    settle(&mut h);
    settle(&mut h);
    let panel = &h.state().state.image;
    assert_eq!(panel.model, None);
    assert_ne!(panel.model_source(), Some(ModelSource::Folder(missing)));
    assert!(panel.model_failure().is_some());
    assert!(shows(
        &h,
        "The model folder no-model-here could not be loaded"
    ));
    assert!(!shows(&h, "no-model-here (folder)"));
}
