//! The Lesson panel: every step reached with Next and Previous shows its widget, the
//! worked example's numbers are the correct ones, the "try this" prompts hold, the
//! denoiser turns noise into the moons, and the state persists.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::app::Lang;
use ddpm_lab::egui;
use ddpm_lab::ui::forward_step::FwdText;
use ddpm_lab::ui::i18n::{Text, fill};
use ddpm_lab::ui::lesson::{LessonStep, LessonText, REVERSE_STEPS, SAMPLE_POINTS};
use ddpm_lab::ui::posterior::PostText;
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn harness_with(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    let mut state = state;
    state.panel = PanelId::Lesson;
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

fn harness_at(step: LessonStep) -> Harness<'static, DdpmLabApp> {
    let mut state = PersistedState::default();
    state.lesson.step = step;
    harness_with(state)
}

/// Runs the frame of the queued input (which starts the job the new step asks for),
/// waits for the jobs, then runs until the UI settles.
fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    h.step();
    h.state_mut().state.lesson.finish_background_work();
    h.run();
    // A job started in the last frames (a step's second request) is waited for too.
    h.state_mut().state.lesson.finish_background_work();
    h.run();
}

fn step(h: &Harness<'static, DdpmLabApp>) -> LessonStep {
    h.state().state.lesson.step
}

/// Asserts what the widget of the current step shows (each found by its label).
fn assert_widget_shown(h: &Harness<'static, DdpmLabApp>) {
    let s = step(h);
    let title = fill(
        LessonText::StepOf.en(),
        &[&s.number(), &7, &s.title(Lang::En)],
    );
    assert!(shows(h, &title), "{s:?}: heading {title}");
    assert!(shows(h, LessonText::TryThis.en()), "{s:?}: try this");
    assert!(shows(h, LessonText::Formula.en()), "{s:?}: formula");
    let lesson = &h.state().state.lesson;
    match s {
        LessonStep::Idea => {
            assert!(shows(h, LessonText::Forward1.en()));
            assert!(shows(h, LessonText::Backward1.en()));
            assert!(lesson.posterior.snapshot().is_some());
        }
        LessonStep::ForwardStep => {
            h.get_by_role_and_label(Role::Slider, FwdText::Beta.en());
            h.get_by_role_and_label(Role::Slider, FwdText::Eps.en());
            assert!(shows(h, FwdText::VarTitle.en()));
        }
        LessonStep::WorkedExample => {
            assert!(shows(h, FwdText::WorkedTitle.en()));
            h.get_by_label(LessonText::ResetExample.en());
            assert!(shows(h, "= 0.7589 + 0.3162 × 0.5000 = 0.9171"));
        }
        LessonStep::ClosedForm => {
            assert!(shows(h, "At t = 100: ᾱₜ = "));
            assert!(shows(h, &fill(FwdText::HistTitle.en(), &[&100])));
            h.get_by_label(FwdText::Reroll.en());
        }
        LessonStep::ImageNoise => {
            assert!(shows(h, "t = 250 of 1000: signal √ᾱₜ = "));
            h.get_by_label("t = 0");
            h.get_by_label("t = 1000");
        }
        LessonStep::Posterior => {
            h.get_by_label(PostText::Steps.en());
            assert!(shows(h, "modes: 1"));
        }
        LessonStep::Denoiser => {
            h.get_by_label(LessonText::SampleAgain.en());
            assert!(shows(h, "Model “moons”"));
            assert!(shows(h, "after 100 of 100 steps: t = 0"));
        }
    }
}

#[test]
fn every_step_is_reached_with_next_and_previous_and_shows_its_widget() {
    let mut h = harness_with(PersistedState::default());
    assert_eq!(step(&h), LessonStep::Idea);
    assert!(
        h.get_by_label(LessonText::Previous.en())
            .accesskit_node()
            .is_disabled(),
        "no step before the first"
    );
    let mut visited = vec![step(&h)];
    assert_widget_shown(&h);
    while step(&h) != LessonStep::Denoiser {
        h.get_by_label(LessonText::Next.en()).click();
        settle(&mut h);
        visited.push(step(&h));
        assert_widget_shown(&h);
    }
    assert_eq!(visited, LessonStep::ALL.to_vec());
    assert!(
        h.get_by_label(LessonText::Next.en())
            .accesskit_node()
            .is_disabled()
    );
    let mut back = vec![step(&h)];
    while step(&h) != LessonStep::Idea {
        h.get_by_label(LessonText::Previous.en()).click();
        settle(&mut h);
        back.push(step(&h));
        assert_widget_shown(&h);
    }
    back.reverse();
    assert_eq!(back, LessonStep::ALL.to_vec());
}

#[test]
fn the_step_row_jumps_to_a_step() {
    let mut h = harness_with(PersistedState::default());
    h.get_by_label("5").click();
    settle(&mut h);
    assert_eq!(step(&h), LessonStep::ImageNoise);
    assert_widget_shown(&h);
}

#[test]
fn worked_example_shows_the_corrected_numbers_and_resets() {
    let mut h = harness_at(LessonStep::WorkedExample);
    // √0.9 = 0.9487 (the notes' 0.9499 is a slip): μ₁ = 0.7589, x₁ = 0.9171.
    assert!(shows(&h, "= √0.9000 × 0.8000 = 0.9487 × 0.8000 = 0.7589"));
    assert!(shows(&h, "= N(0.7589, 0.1000)"));
    assert!(shows(&h, "= 0.7589 + 0.3162 × 0.5000 = 0.9171"));
    assert!(shows(&h, "= N(0.6788, 0.2800)"));
    assert!(shows(&h, "0.9487 × 0.8 = 0.7589"), "the explanation");
    // Try this: ε = 0 puts x₁ on the mean.
    h.get_by_role_and_label(Role::Slider, FwdText::Eps.en())
        .set_value_accesskit(0.0);
    settle(&mut h);
    assert_eq!(h.state().state.lesson.forward.eps, 0.0);
    assert!(shows(&h, "= 0.7589 + 0.3162 × 0.0000 = 0.7589"));
    h.get_by_label(LessonText::ResetExample.en()).click();
    settle(&mut h);
    assert_eq!(h.state().state.lesson.forward.eps, 0.5);
    assert!(shows(&h, "= 0.7589 + 0.3162 × 0.5000 = 0.9171"));
    // The lesson's numbers are its own: the Forward-step panel is untouched.
    assert_eq!(h.state().state.forward_step.eps, 0.5);
}

#[test]
fn posterior_try_this_splits_the_peak_with_big_steps() {
    let mut h = harness_at(LessonStep::Posterior);
    let modes = |h: &Harness<'static, DdpmLabApp>| {
        h.state()
            .state
            .lesson
            .posterior
            .snapshot()
            .unwrap()
            .report
            .modes
            .len()
    };
    assert_eq!(modes(&h), 1);
    assert!(shows(&h, PostText::Verdict1.en()));
    h.get_by_label(PostText::Steps.en()).click();
    h.run();
    h.get_by_label("T' = 10 (every 100 steps)").click();
    settle(&mut h);
    assert_eq!(h.state().state.lesson.posterior.walked_steps(), Some(10));
    assert_eq!(modes(&h), 2);
    assert!(shows(&h, "modes: 2"));
    // The verdict names the count it reads.
    assert!(shows(&h, &fill(PostText::Verdict2.en(), &[&2])));
}

#[test]
fn closed_form_try_this_forgets_the_start() {
    let mut h = harness_at(LessonStep::ClosedForm);
    h.get_by_role_and_label(Role::Slider, FwdText::T.en())
        .set_value_accesskit(1000.0);
    settle(&mut h);
    assert_eq!(h.state().state.lesson.forward.scrubber.t, 1000);
    // ᾱ_1000 ≈ 4e-5 on the DDPM schedule: N(≈0.005, ≈1).
    assert!(shows(&h, "At t = 1000: ᾱₜ = 4.036e-5"));
    assert!(shows(&h, "= N(0.005082, 1.0000)"));
}

#[test]
fn image_step_noises_the_picture_to_the_scrubbed_t() {
    let mut h = harness_at(LessonStep::ImageNoise);
    h.get_by_role_and_label(Role::Slider, FwdText::T.en())
        .set_value_accesskit(1000.0);
    settle(&mut h);
    assert_eq!(h.state().state.lesson.image_t.t, 1000);
    assert!(shows(&h, "t = 1000 of 1000: signal √ᾱₜ = 0.006353"));
    h.get_by_role_and_label(Role::Slider, FwdText::T.en())
        .set_value_accesskit(0.0);
    settle(&mut h);
    assert!(shows(
        &h,
        "t = 0 of 1000: signal √ᾱₜ = 1.0000, noise √(1−ᾱₜ) = 0.0000"
    ));
}

#[test]
fn denoiser_turns_noise_into_the_moons() {
    let mut h = harness_at(LessonStep::Denoiser);
    let run = h.state().state.lesson.denoiser.run().unwrap().clone();
    assert_eq!(run.steps(), REVERSE_STEPS);
    assert_eq!(run.frames.first().map(|f| f.0), Some(1000));
    assert_eq!(run.frames.last().map(|f| f.0), Some(0));
    assert!(run.frames.iter().all(|(_, p)| p.len() == SAMPLE_POINTS));
    // Mean distance from each point to the nearest training point: far for the noise,
    // close for the samples.
    let mean_gap = |points: &[egui_plot::PlotPoint]| {
        points
            .iter()
            .map(|p| {
                run.data
                    .iter()
                    .map(|d| ((p.x - d.x).powi(2) + (p.y - d.y).powi(2)).sqrt())
                    .fold(f64::INFINITY, f64::min)
            })
            .sum::<f64>()
            / points.len() as f64
    };
    let noise_gap = mean_gap(&run.frames[0].1);
    let sample_gap = mean_gap(&run.frames[REVERSE_STEPS].1);
    assert!(noise_gap > 0.3, "noise {noise_gap}");
    assert!(sample_gap < 0.08, "samples {sample_gap}");
    // Scrubbing back shows the noise at t = T.
    h.get_by_role_and_label(Role::Slider, LessonText::ReverseStep.en())
        .set_value_accesskit(0.0);
    settle(&mut h);
    assert!(shows(&h, "after 0 of 100 steps: t = 1000"));
    // Sampling again draws new noise: a new run with another seed.
    h.get_by_label(LessonText::SampleAgain.en()).click();
    settle(&mut h);
    let again = h.state().state.lesson.denoiser.run().unwrap().clone();
    assert_ne!(again.frames[0].1, run.frames[0].1);
    assert!(shows(&h, "after 100 of 100 steps: t = 0"));
}

#[test]
fn lesson_state_persists_through_serde() {
    let mut h = harness_at(LessonStep::WorkedExample);
    h.get_by_role_and_label(Role::Slider, FwdText::Eps.en())
        .set_value_accesskit(-1.5);
    settle(&mut h);
    let text = serde_json::to_string(&h.state().state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_eq!(back.panel, PanelId::Lesson);
    assert_eq!(back.lesson.step, LessonStep::WorkedExample);
    assert_eq!(back.lesson.forward.eps, -1.5);
    let h = harness_with(back);
    assert!(shows(&h, FwdText::WorkedTitle.en()));
    assert!(shows(&h, "× -1.5000 = "));
}

/// A Korean lesson harness, or `None` where no Hangul font exists (the tests that need
/// one are then skipped, unless `DDPM_LAB_REQUIRE_KOREAN_FONT` asks for it).
fn korean_harness_at(step: LessonStep) -> Option<Harness<'static, DdpmLabApp>> {
    let mut state = PersistedState::default();
    state.settings.lang = Lang::Ko;
    state.lesson.step = step;
    let h = harness_with(state);
    if h.state().lab.korean_unavailable {
        assert!(
            std::env::var_os("DDPM_LAB_REQUIRE_KOREAN_FONT").is_none(),
            "no Hangul font found (install fonts-nanum)"
        );
        return None;
    }
    Some(h)
}

#[test]
fn korean_lesson_shows_korean_text() {
    let Some(h) = korean_harness_at(LessonStep::WorkedExample) else {
        return;
    };
    assert!(shows(&h, "3단계: 계산 예시를 직접 움직이며"));
    assert!(shows(&h, LessonText::ResetExample.ko()));
    assert!(shows(&h, "0.9487 × 0.8 = 0.7589"));
    assert!(shows(&h, LessonText::Next.ko()));
}

#[test]
fn lesson_step3_en() {
    let mut h = harness_at(LessonStep::WorkedExample);
    screenshot(&mut h, "lesson_step3_en");
}

#[test]
fn lesson_step6_en() {
    let mut h = harness_at(LessonStep::Posterior);
    screenshot(&mut h, "lesson_step6_en");
}

#[test]
fn lesson_step3_ko() {
    if let Some(mut h) = korean_harness_at(LessonStep::WorkedExample) {
        screenshot(&mut h, "lesson_step3_ko");
    }
}

#[test]
fn lesson_step6_ko() {
    if let Some(mut h) = korean_harness_at(LessonStep::Posterior) {
        screenshot(&mut h, "lesson_step6_ko");
    }
}

#[test]
fn lesson_step7_en() {
    let mut h = harness_at(LessonStep::Denoiser);
    screenshot(&mut h, "lesson_step7_en");
}

/// Step 6 ends with "why small steps" in numbers: the sliced W2 of exact-score samples
/// falls as the number of steps grows, for every sampler.
#[test]
fn the_posterior_step_measures_why_small_steps() {
    use ddpm_lab::ui::points::PtsText;
    let mut h = harness_at(LessonStep::Posterior);
    assert!(shows(&h, PtsText::WhySmallSteps.en()));
    h.get_by_label(PtsText::Measure.en()).scroll_to_me();
    h.run();
    h.get_by_label(PtsText::Measure.en()).click();
    h.step();
    h.state_mut().state.lesson.finish_background_work();
    h.run_steps(4);
    let lesson = &h.state().state.lesson;
    assert_eq!(lesson.step_error.error(), None);
    let result = lesson.step_error.result().expect("measured");
    assert_eq!(result.curves.len(), 5);
    for c in &result.curves {
        let first = c.points.first().expect("a point").1;
        let last = c.points.last().expect("a point").1;
        assert!(last < first, "{}: {first} → {last}", c.sampler.label());
    }
    assert!(shows(&h, PtsText::StepErrorAxes.en()));
}
