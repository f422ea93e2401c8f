//! The Posterior panel's strings (English, Korean).

crate::i18n_table! {
    /// Text of the Posterior panel.
    pub enum PostText {
        Title => "Posterior: what was xₜ₋₁, given xₜ?  q(xₜ₋₁|xₜ) exact for mixture data", "사후분포: xₜ가 주어졌을 때 xₜ₋₁은 무엇이었나?  혼합 데이터에서 정확한 q(xₜ₋₁|xₜ)";
        Data => "Data p(x₀): a 1-D Gaussian mixture", "데이터 p(x₀): 1차원 가우시안 혼합";
        PresetPoint => "Point at 0.8", "0.8의 한 점";
        PresetTwo => "Two modes ±1", "±1의 두 봉우리";
        PresetThree => "Three modes", "세 봉우리";
        Component => "#", "#";
        Weight => "weight", "가중치";
        MeanCol => "mean", "평균";
        Sd => "sd", "표준편차";
        Remove => "Remove", "삭제";
        Add => "Add component", "성분 추가";
        BadWeight => "Component {0}: weight {1} must be a number > 0.", "성분 {0}: 가중치 {1}은(는) 0보다 큰 수여야 합니다.";
        BadMean => "Component {0}: mean {1} must be a number from -1e6 to 1e6.", "성분 {0}: 평균 {1}은(는) -1e6에서 1e6 사이의 수여야 합니다.";
        BadSd => "Component {0}: standard deviation {1} must be from 1e-6 to 1e6.", "성분 {0}: 표준편차 {1}은(는) 1e-6에서 1e6 사이여야 합니다.";
        TooManyComponents => "A mixture has at most {0} components (got {1}).", "혼합의 성분은 최대 {0}개입니다 (입력: {1}).";
        ValueOutOfRange => "{0} = {1} must be a number from -1e6 to 1e6.", "{0} = {1}은(는) -1e6에서 1e6 사이의 수여야 합니다.";
        Empty => "The mixture needs at least one component.", "혼합에는 성분이 하나 이상 있어야 합니다.";
        BadComponent => "Cannot read the component “{0}”: write weight:mean:sd, e.g. 0.5:-1:0.1.", "성분 “{0}”을(를) 읽을 수 없습니다: 가중치:평균:표준편차 꼴로 쓰세요 (예: 0.5:-1:0.1).";
        BadStep => "The posterior needs a step from 1 to {0} (got {1}).", "사후분포는 1에서 {0} 사이의 스텝에서만 계산합니다 (입력: {1}).";
        KeptLastGood => "Still showing the last valid mixture.", "마지막으로 유효했던 혼합을 계속 보여줍니다.";
        ScheduleLine => "Schedule: {0}, T = {1} (from the Schedule panel)", "스케줄: {0}, T = {1} (스케줄 패널에서)";
        Steps => "steps", "스텝";
        StepsChoice => "T' = {0} (every {1} {1|step|steps})", "T' = {0} ({1} 스텝마다)";
        StepsAll => "T = {0} (every step)", "T = {0} (모든 스텝)";
        StepsWhy => "A smaller T' walks the same ᾱₜ curve in fewer, bigger steps: the noise levels stay, only the step size changes. (Rebuilding the schedule with another T would change the noise levels too.)", "더 작은 T'는 같은 ᾱₜ 곡선을 더 적고 큰 스텝으로 걷는다: 노이즈 수준은 그대로, 스텝 크기만 바뀐다. (다른 T로 스케줄을 새로 만들면 노이즈 수준도 바뀐다.)";
        Compare => "coarser walk to compare", "비교할 더 성긴 걸음";
        CompareChoice => "×{0} bigger steps (T'' = {1})", "×{0} 큰 스텝 (T'' = {1})";
        X0 => "x₀ for q(xₜ₋₁|xₜ, x₀)", "q(xₜ₋₁|xₜ, x₀)의 x₀";
        Xt => "xₜ (the white dot)", "xₜ (흰 점)";
        View => "view", "보기";
        ViewPosterior => "zoom on the posterior", "사후분포 확대";
        ViewMarginals => "whole marginals", "주변분포 전체";
        T => "step", "스텝";
        StepLine => "step {0} of {1} ends at t = {2} of T = {3}:  βₜ = {4},  ᾱₜ = {5}", "{1} 스텝 중 {0}번째는 T = {3}의 t = {2}에서 끝남:  βₜ = {4},  ᾱₜ = {5}";
        TruePost => "true q(xₜ₋₁|xₜ)", "실제 q(xₜ₋₁|xₜ)";
        TildeNote => "β̃ₜ, μ̃ₜ (β-tilde, μ-tilde): the variance and mean of the posterior when x₀ is known.", "β̃ₜ, μ̃ₜ (베타 틸드, 뮤 틸드): x₀를 알 때 사후분포의 분산과 평균.";
        Matched => "moment-matched Gaussian", "모멘트 일치 가우시안";
        X0Post => "q(xₜ₋₁|xₜ, x₀), x₀ known", "q(xₜ₋₁|xₜ, x₀), x₀를 알 때";
        X0PostPoint => "q(xₜ₋₁|xₜ, x₀): the point x₀ (zero width)", "q(xₜ₋₁|xₜ, x₀): 점 x₀ (폭 0)";
        PrevMarginal => "q(xₜ₋₁) (the notes' green curve)", "q(xₜ₋₁) (노트의 초록 곡선)";
        Marginal => "q(xₜ)", "q(xₜ)";
        XtMark => "xₜ", "xₜ";
        Modes => "modes: {0} (at {1})", "봉우리 수: {0} (위치 {1})";
        PostMoments => "true posterior: mean {0}, sd {1}", "실제 사후분포: 평균 {0}, 표준편차 {1}";
        Kl => "KL(true ‖ Gaussian) = {0}", "KL(실제 ‖ 가우시안) = {0}";
        Widths => "√β̃ₜ = {0} (width given x₀) · μ̃ₜ = {1}", "√β̃ₜ = {0} (x₀가 주어졌을 때 폭) · μ̃ₜ = {1}";
        CoarseLine => "×{0} bigger steps, step ending at t = {1}: modes {2}, KL = {3}, sd {4}", "×{0} 큰 스텝, t = {1}에서 끝나는 스텝: 봉우리 {2}, KL = {3}, 표준편차 {4}";
        Verdict1 => "Small step: one narrow peak, almost Gaussian — a Gaussian reverse step fits.", "작은 스텝: 좁은 봉우리 하나, 거의 가우시안 — 가우시안 역방향 스텝이 맞는다.";
        Verdict2 => "Big step: the posterior has {0} modes, so it is not one Gaussian — a Gaussian reverse step cannot fit it.", "큰 스텝: 사후분포의 봉우리가 {0}개라 하나의 가우시안이 아니다 — 가우시안 역방향 스텝으로는 맞출 수 없다.";
        VerdictSkewed => "One mode, but KL = {0} > 0.01: the posterior is lopsided — a Gaussian reverse step fits it only roughly.", "봉우리는 하나지만 KL = {0} > 0.01: 사후분포가 한쪽으로 치우쳐 있다 — 가우시안 역방향 스텝은 대강만 맞는다.";
        NoCoarser => "No coarser walk: T' = {0} is too few steps to take bigger ones.", "더 성긴 걸음 없음: T' = {0}은(는) 더 큰 스텝을 걷기에는 스텝이 너무 적다.";
        WidthTitle => "posterior width over t (at xₜ = {0}); width given x₀ is √β̃ₜ", "t에 따른 사후분포 폭 (xₜ = {0}); x₀를 알 때의 폭은 √β̃ₜ";
        KlTitle => "KL(true ‖ Gaussian) over t, log scale (at xₜ = {0})", "t에 따른 KL(실제 ‖ 가우시안), 로그 눈금 (xₜ = {0})";
        BetaTildeFine => "width given x₀, T' = {0}", "x₀를 알 때의 폭, T' = {0}";
        TrueSdFine => "true sd, T' = {0}", "실제 표준편차, T' = {0}";
        BetaTildeCoarse => "width given x₀, T'' = {0}", "x₀를 알 때의 폭, T'' = {0}";
        TrueSdCoarse => "true sd, T'' = {0}", "실제 표준편차, T'' = {0}";
        KlFine => "KL, T' = {0}", "KL, T' = {0}";
        KlCoarse => "KL, T'' = {0}", "KL, T'' = {0}";
        Computing => "computing the curves over t… {0}%", "t에 따른 곡선 계산 중… {0}%";
        SweepFailed => "The curves over t failed: {0}", "t에 따른 곡선 계산 실패: {0}";
        WalkFailed => "Cannot walk this schedule in bigger steps: {0}", "이 스케줄을 큰 스텝으로 걸을 수 없습니다: {0}";
    }
}
