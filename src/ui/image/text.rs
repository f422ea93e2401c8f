//! The Image panel's words (English, Korean).

use crate::app::image_input::{BundledPhoto, ImageLoadError, SampleKind};
use crate::model::SizeError;
use crate::model::data::DatasetKind;
use crate::ui::denoiser_view::impl_denoiser_text;
use crate::ui::i18n::{Lang, Text};

crate::i18n_table! {
    /// Text of the Image panel.
    pub enum ImgText {
        Title => "Image: scrub forward and backward through the trained denoiser", "이미지: 학습된 디노이저로 앞뒤로 훑어보기";
        Picture => "picture", "그림";
        SampleGlyph => "digit (glyphs data)", "숫자 (glyphs 데이터)";
        SampleShape => "shape (shapes data)", "도형 (shapes 데이터)";
        SampleLandscape => "landscape", "풍경";
        SampleChecker => "checkerboard", "체커보드";
        UserFile => "file: {0}", "파일: {0}";
        Another => "Another sample", "다른 샘플";
        OpenImage => "Open image…", "이미지 열기…";
        DropHint => "or drop a PNG, JPEG, GIF, BMP or WebP file on the window", "또는 PNG, JPEG, GIF, BMP, WebP 파일을 창에 끌어다 놓으세요";
        Loading => "loading {0}…", "{0} 불러오는 중…";
        LoadFailed => "Could not use {0}: {1}. The previous image stays.", "{0}을(를) 쓸 수 없습니다: {1}. 이전 이미지를 그대로 둡니다.";
        SizeNote => "{0}: {1} × {2} px, {3} ({4})", "{0}: {1} × {2} 픽셀, {3} ({4})";
        SizeCropped => "centre-cropped and resized to {0} × {0}", "가운데를 잘라 {0} × {0}로 크기 조정";
        SizeAsIs => "used as it is at {0} × {0}", "{0} × {0} 그대로 사용";
        WorkSize => "working size", "작업 크기";
        SizeAuto => "auto ({0} × {0})", "자동 ({0} × {0})";
        SizeOwn => "{0} × {0} (the model's own)", "{0} × {0} (모델 자체 크기)";
        SizeRefused => "This size cannot be used: {0}. The model's own size, {1} × {1}, is used instead.", "이 크기는 쓸 수 없습니다: {0}. 대신 모델 자체 크기 {1} × {1}을 씁니다.";
        FolderFailed => "The model folder {0} could not be loaded, so the default model is used: {1}", "모델 폴더 {0}을(를) 불러오지 못해 기본 모델을 씁니다: {1}";
        Generated => "made by the app", "앱이 만든 그림";
        Photos => "photos (public domain / CC0)", "사진 (퍼블릭 도메인 / CC0)";
        PhotoCat => "photo: cat", "사진: 고양이";
        PhotoCoffee => "photo: coffee", "사진: 커피";
        PhotoAstronaut => "photo: astronaut", "사진: 우주비행사";
        PhotoRocket => "photo: rocket launch", "사진: 로켓 발사";
        PathImage => "image file", "이미지 파일";
        PathFolder => "model folder", "모델 폴더";
        PathSave => "save to", "저장할 곳";
        PathOpen => "Open this file", "이 파일 열기";
        PathUse => "Use this folder", "이 폴더 사용";
        PathSaveHere => "Save here", "여기에 저장";
        Gray => "grayscale", "흑백";
        Rgb => "RGB", "RGB";
        Model => "model", "모델";
        Shipped => "{0} (shipped)", "{0} (내장)";
        Folder => "{0} (folder)", "{0} (폴더)";
        LoadFolder => "Load model folder…", "모델 폴더 불러오기…";
        Device => "device", "장치";
        ModelLoading => "loading the model…", "모델 불러오는 중…";
        ModelFailed => "The model could not be loaded: {0}", "모델을 불러오지 못했습니다: {0}";
        KnowsDeadLeaves => "This model has seen only pictures the app generates (\"dead leaves\": overlapping discs and shapes with random colours, textures and blur). From a moderate t (≤ 200) it restores your photo; from t = T it invents new dead-leaves pictures, not photos: a denoiser knows only what it was trained on.", "이 모델은 앱이 만든 그림(\"dead leaves\": 무작위 색·질감·흐림을 가진 원과 도형이 겹친 그림)만 보았습니다. 적당한 t(≤ 200)에서는 사진을 되살리지만, t = T에서는 사진이 아니라 새로운 dead-leaves 그림을 만들어 냅니다. 디노이저는 학습한 것만 압니다.";
        KnowsGlyphs => "This model has seen only digits: from a large t it turns any picture into a digit-like shape. For photos, pick the natural model.", "이 모델은 숫자만 보았습니다. 큰 t에서는 어떤 그림이든 숫자 비슷한 모양으로 바꿉니다. 사진에는 natural 모델을 고르세요.";
        ModelInfo => "{0}: {1} parameters, predicts {2}, trained {3} steps on {4}", "{0}: 파라미터 {1}개, {2} 예측, {4}로 {3} 스텝 학습";
        NotImageModel => "{0} is a model of 2-D points; use the Points panel for it.", "{0}은(는) 2차원 점 모델입니다. 점 패널에서 쓰세요.";
        NoModel => "No image model is loaded: forward noising works; denoising needs one (e.g. a folder from `ddpm-lab train --dataset glyphs`).", "이미지 모델이 없습니다. 순방향 노이즈는 되지만 노이즈 제거에는 모델이 필요합니다 (예: `ddpm-lab train --dataset glyphs`로 만든 폴더).";
        ScheduleOwn => "Schedule: the model's own, {0}.", "스케줄: 모델 자체의 {0}.";
        ScheduleDiffers => "The Schedule panel's schedule ({0}) differs from the one this model was trained with; this panel uses the model's.", "스케줄 패널의 스케줄({0})이 이 모델이 학습한 스케줄과 다릅니다. 이 패널은 모델의 스케줄을 씁니다.";
        ScheduleLab => "Schedule: the Schedule panel's, {0}.", "스케줄: 스케줄 패널의 {0}.";
        Forward => "Forward (noising)", "순방향 (노이즈 추가)";
        Reverse => "Reverse (denoising)", "역방향 (노이즈 제거)";
        NoRunYet => "run \"Denoise from here\" first", "먼저 \"여기서부터 노이즈 제거\"를 실행하세요";
        ClosedForm => "closed form, fixed ε", "닫힌 형태, 고정된 ε";
        Chain => "chain, fresh ε each step", "체인, 스텝마다 새 ε";
        NoiseKind => "noising", "노이즈 방식";
        NoiseSeed => "ε seed", "ε 시드";
        Reroll => "Re-roll ε", "ε 다시 뽑기";
        ChainRunning => "computing the chain… (the closed form is shown meanwhile)", "체인 계산 중… (그동안 닫힌 형태를 보여 줌)";
        T => "t", "t";
        Step => "step", "스텝";
        StepAt => "step {0} of {1} · t = {2}", "{1} 스텝 중 {0} · t = {2}";
        X0 => "x₀ (clean)", "x₀ (원본)";
        X0Hover => "The clean picture as the model sees it: resized, values scaled to [−1, 1].", "모델이 보는 깨끗한 그림: 크기를 맞추고 값을 [−1, 1]로 바꾼 것.";
        XtHover => "Closed form: xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε. Chain: xₜ = √(1−βₜ)·xₜ₋₁ + √βₜ·εₜ, one step at a time. In reverse: the sample the sampler reached.", "닫힌 형태: xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε. 체인: xₜ = √(1−βₜ)·xₜ₋₁ + √βₜ·εₜ, 한 스텝씩. 역방향에서는 샘플러가 도달한 표본.";
        EpsHatHover => "εθ(xₜ, t): the noise the network thinks was added to x₀ to make xₜ.", "εθ(xₜ, t): 신경망이 생각하기에 x₀에 더해져 xₜ를 만든 노이즈.";
        X0HatHover => "x̂₀ = (xₜ − √(1−ᾱₜ)·εθ)/√ᾱₜ, clipped to [−1, 1]: the network's guess of the clean picture.", "x̂₀ = (xₜ − √(1−ᾱₜ)·εθ)/√ᾱₜ, [−1, 1]로 자름: 신경망이 추측한 깨끗한 그림.";
        MeanHover => "μ̃ = √ᾱₜ₋₁·βₜ/(1−ᾱₜ)·x̂₀ + √αₜ·(1−ᾱₜ₋₁)/(1−ᾱₜ)·xₜ: the mean of the step to t − 1 (DDPM adds σ·z to it).", "μ̃ = √ᾱₜ₋₁·βₜ/(1−ᾱₜ)·x̂₀ + √αₜ·(1−ᾱₜ₋₁)/(1−ᾱₜ)·xₜ: t − 1로 가는 스텝의 평균 (DDPM은 여기에 σ·z를 더함).";
        Xt => "xₜ at t = {0}", "t = {0}의 xₜ";
        EpsHat => "εθ: predicted noise", "εθ: 예측한 노이즈";
        X0Hat => "x̂₀: predicted clean", "x̂₀: 예측한 원본";
        Mean => "μ̃: posterior mean", "μ̃: 사후 평균";
        PredictedAt => "predicted at t = {0}", "t = {0}에서 예측";
        Updating => "updating…", "갱신 중…";
        NeedsModel => "needs a model", "모델 필요";
        NothingAtZero => "t = 0: no noise left", "t = 0: 남은 노이즈 없음";
        EpsScale => "blue −3 · white 0 · red +3", "파랑 −3 · 흰색 0 · 빨강 +3";
        HistTitle => "Pixel values of xₜ at t = {0}: {1}", "t = {0}에서 xₜ의 픽셀 값: {1}";
        HistGrey => "grey values", "흑백 값";
        HistAllChannels => "R, G and B together", "R, G, B 모두";
        HistRed => "red channel", "빨강 채널";
        HistGreen => "green channel", "초록 채널";
        HistBlue => "blue channel", "파랑 채널";
        HistChannel => "channel", "채널";
        HistExpectedRun => "expected if x₀ were this step's x̂₀ (predicted at t = {0}): N(√ᾱₜ·x̂₀, 1 − ᾱₜ)", "x₀가 이 스텝의 x̂₀(t = {0}에서 예측)라면 기대되는 분포: N(√ᾱₜ·x̂₀, 1 − ᾱₜ)";
        HistLineRun => "mean {0} (expected from this step's x̂₀: {1}) · variance {2} (expected: {3})", "평균 {0} (이 스텝의 x̂₀로 본 기대: {1}) · 분산 {2} (기대: {3})";
        HistBars => "xₜ pixel values", "xₜ 픽셀 값";
        HistExpected => "expected: N(√ᾱₜ·x₀, 1 − ᾱₜ) over the pixels", "기대값: 픽셀별 N(√ᾱₜ·x₀, 1 − ᾱₜ)";
        HistNormal => "N(0, 1), where xₜ ends at T", "N(0, 1), T에서 xₜ가 도달하는 분포";
        HistLine => "mean {0} (expected from the picture: {1}) · variance {2} (expected: {3})", "평균 {0} (그림으로 본 기대: {1}) · 분산 {2} (기대: {3})";
        HistOutside => "{0} values outside ±4 are counted in the end bins", "±4 밖의 값 {0}개는 양 끝 구간에 셈";
        ReverseTitle => "Denoise", "노이즈 제거";
        Sampler => "sampler", "샘플러";
        Ddpm => "DDPM (ancestral)", "DDPM (조상 샘플링)";
        Ddim => "DDIM", "DDIM";
        Euler => "Euler (probability-flow ODE)", "오일러 (확률 흐름 ODE)";
        Heun => "Heun (ODE, 2 evaluations a step)", "호인 (ODE, 스텝마다 2회 평가)";
        DpmSolver => "DPM-Solver++(2M)", "DPM-Solver++(2M) (다단계)";
        Karras => "Karras σ's", "Karras σ 간격";
        Eta => "η (0 = deterministic)", "η (0 = 결정적)";
        Steps => "steps over 1..T", "1..T 전체 스텝 수";
        Seed => "seed", "시드";
        DenoiseFrom => "Denoise from here (t = {0})", "여기서부터 노이즈 제거 (t = {0})";
        Cancel => "Cancel", "취소";
        Running => "denoising: step {0} of {1}", "노이즈 제거 중: {1} 스텝 중 {0}";
        RunDone => "{0}: {1} steps from t = {2} in {3} s", "{0}: t = {2}부터 {1} 스텝, {3}초";
        RunCancelled => "cancelled after {0} steps; those steps stay", "{0} 스텝 후 취소됨; 그 스텝들은 남아 있음";
        RunFailed => "The reverse run failed: {0}", "역방향 실행 실패: {0}";
        StripTitle => "The run at a glance: xₜ (top) and x̂₀ (bottom); click to jump", "한눈에 보는 실행: xₜ (위), x̂₀ (아래); 눌러서 이동";
        StripForward => "The forward process at a glance: xₜ from t = 0 to T; click to jump", "한눈에 보는 순방향: t = 0부터 T까지 xₜ; 눌러서 이동";
        Export => "Export", "내보내기";
        ExportGif => "Trajectory GIF…", "궤적 GIF…";
        ExportStrip => "PNG strip…", "PNG 띠…";
        SaveFrame => "Save this frame…", "현재 프레임 저장…";
        Saved => "saved “{0}”", "“{0}” 저장함";
        SaveFailed => "could not save: {0}", "저장하지 못함: {0}";
        Waiting => "waiting for the file dialog…", "파일 대화상자를 기다리는 중…";
        Denoiser => "denoiser", "디노이저";
        DenoiserNetwork => "the network", "신경망";
        DenoiserIdeal => "ideal denoiser of its training data (exact)", "학습 데이터의 이상적 디노이저 (정확)";
        DenoiserGaussian => "Gaussian denoiser of its training data (exact, per pixel)", "학습 데이터의 가우시안 디노이저 (정확, 픽셀마다)";
        ExactIdealAbout => "The exact minimum-MSE denoiser of the model's {0} training pictures, x̂0 = Σ wᵢ xᵢ: it can only answer with training pictures, so a run ends on one of them (below: which, and how far). A perfect denoiser only memorises; the network makes new pictures because it is not perfect.", "모델의 학습 그림 {0}장의 정확한 최소 MSE 디노이저, x̂0 = Σ wᵢ xᵢ: 학습 그림으로만 답할 수 있으므로 실행은 그중 하나에서 끝납니다 (아래: 어느 것이고 얼마나 먼지). 완벽한 디노이저는 외우기만 합니다. 신경망이 새 그림을 만드는 것은 완벽하지 않기 때문입니다.";
        ExactGaussianAbout => "The best denoiser if every pixel were an independent Gaussian with the training pictures' per-pixel mean and variance: it knows no shapes, only where pictures tend to be bright.", "모든 픽셀이 학습 그림의 픽셀별 평균과 분산을 가진 독립 가우스라면 최선인 디노이저: 모양은 모르고 그림이 어디서 밝은 편인지만 압니다.";
        ExactFitting => "fitting the exact denoiser to the training pictures…", "학습 그림에 정확한 디노이저를 맞추는 중…";
        ExactSize => "The exact denoisers know the training pictures at the model's own size: pick {0} × {0} as the working size.", "정확한 디노이저는 모델 고유 크기의 학습 그림만 압니다: 작업 크기로 {0} × {0}을(를) 고르세요.";
        ExactNoData => "This model's training data cannot be drawn again here, so it has no exact denoiser.", "이 모델의 학습 데이터를 여기서 다시 만들 수 없어 정확한 디노이저가 없습니다.";
        NearestTrain => "Nearest training picture: #{0}, distance {1} (RMS {2} per value)", "가장 가까운 학습 그림: #{0}, 거리 {1} (값마다 RMS {2})";
    }
}

// The shared denoiser widgets draw these keys of this table.
// The shared denoiser widgets draw these keys of this table.
impl_denoiser_text!(ImgText);

/// Why an image file could not be used, in `lang` (the decoder's own detail stays as the
/// decoder words it).
pub fn image_load_error_text(e: &ImageLoadError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        ImageLoadError::Read(r) => crate::ui::schedule::read_error_text(r, lang),
        ImageLoadError::UnknownFormat { path } => format!(
            "{}: 이 앱이 읽는 이미지가 아닙니다 (PNG, JPEG, GIF, BMP, WebP)",
            path.display()
        ),
        ImageLoadError::TooLarge { path, message } => format!(
            "{}: 이미지가 디코딩 한도({} px / 512 MB)보다 큽니다 ({message})",
            path.display(),
            crate::app::image_input::MAX_IMAGE_SIDE
        ),
        ImageLoadError::Decode { path, message } => format!(
            "{}: 이미지가 손상되었거나 디코딩할 수 없습니다 ({message})",
            path.display()
        ),
        ImageLoadError::Empty { path } => {
            format!("{}: 빈 이미지입니다 (0 × 0 픽셀)", path.display())
        }
    }
}

pub(crate) fn sample_name(kind: SampleKind, lang: Lang) -> &'static str {
    match kind {
        SampleKind::Glyph => ImgText::SampleGlyph.tr(lang),
        SampleKind::Shape => ImgText::SampleShape.tr(lang),
        SampleKind::Landscape => ImgText::SampleLandscape.tr(lang),
        SampleKind::Checker => ImgText::SampleChecker.tr(lang),
    }
}

pub(crate) fn photo_name(photo: BundledPhoto, lang: Lang) -> &'static str {
    match photo {
        BundledPhoto::Cat => ImgText::PhotoCat.tr(lang),
        BundledPhoto::Coffee => ImgText::PhotoCoffee.tr(lang),
        BundledPhoto::Astronaut => ImgText::PhotoAstronaut.tr(lang),
        BundledPhoto::Rocket => ImgText::PhotoRocket.tr(lang),
    }
}

/// What a model trained on `dataset` can and cannot do, said beside its name.
pub fn knows_only_note(dataset: DatasetKind) -> Option<ImgText> {
    match dataset {
        DatasetKind::DeadLeaves => Some(ImgText::KnowsDeadLeaves),
        DatasetKind::Glyphs => Some(ImgText::KnowsGlyphs),
        _ => None,
    }
}

/// Why a size cannot be used, in `lang`.
pub fn size_error_text(e: &SizeError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        SizeError::Zero => "이미지 크기는 1픽셀 이상이어야 합니다 (0)".to_string(),
        SizeError::NotMultiple {
            size,
            factor,
            halvings,
            below,
            above,
        } => format!(
            "이미지 크기 {size}은(는) {factor}의 배수가 아닙니다 (이 모델은 그림을 {halvings}번 절반으로 줄입니다. {below} 또는 {above}을(를) 쓰세요)"
        ),
        SizeError::TooLarge { size, max } => {
            format!("이미지 크기 {size}은(는) 한도 {max}보다 큽니다")
        }
        SizeError::NotImage => "이 모델은 이미지가 아니라 2차원 점을 다룹니다".to_string(),
    }
}
