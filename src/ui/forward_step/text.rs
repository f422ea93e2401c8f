//! The Forward-step panel's strings (English, Korean).

crate::i18n_table! {
    /// Text of the Forward-step panel.
    pub enum FwdText {
        Title => "Forward step: q(xₜ|xₜ₋₁) = N(√(1−βₜ)·xₜ₋₁, βₜ)", "순방향 한 스텝: q(xₜ|xₜ₋₁) = N(√(1−βₜ)·xₜ₋₁, βₜ)";
        T => "t", "t";
        XPrev => "xₜ₋₁ (previous value)", "xₜ₋₁ (이전 값)";
        Beta => "βₜ (noise variance)", "βₜ (노이즈 분산)";
        Eps => "ε (standard normal draw)", "ε (표준정규 표본)";
        BetaNext => "β₂ (second step)", "β₂ (두 번째 스텝)";
        FromSchedule => "take βₜ (and βₜ₊₁) at t on the current schedule", "현재 스케줄의 t에서 βₜ (와 βₜ₊₁) 가져오기";
        ScheduleBeta => "βₜ = {0} and βₜ₊₁ = {1} at t = {2} on {3}", "{3}의 t = {2}: βₜ = {0}, βₜ₊₁ = {1}";
        Density => "q(xₜ|xₜ₋₁)", "q(xₜ|xₜ₋₁)";
        MeanMark => "mean μ = √(1−β)·xₜ₋₁", "평균 μ = √(1−β)·xₜ₋₁";
        PrevMark => "xₜ₋₁", "xₜ₋₁";
        SampleMark => "sample xₜ = μ + √β·ε", "표본 xₜ = μ + √β·ε";
        WorkedTitle => "Worked example (the seed notes' numbers, live)", "계산 예시 (노트의 숫자, 실시간)";
        WorkedInputs => "x₀ = {0}, β₁ = {1}, ε = {2}, β₂ = {3}  (x₀ = xₜ₋₁, β₁ = βₜ)", "x₀ = {0}, β₁ = {1}, ε = {2}, β₂ = {3}  (x₀ = xₜ₋₁, β₁ = βₜ)";
        OneStep => "One step: q(x₁|x₀) = N(√(1−β₁)·x₀, β₁)", "한 스텝: q(x₁|x₀) = N(√(1−β₁)·x₀, β₁)";
        TwoSteps => "Two steps at once: q(x₂|x₀) = N(√(α₁α₂)·x₀, 1 − α₁α₂)", "두 스텝을 한 번에: q(x₂|x₀) = N(√(α₁α₂)·x₀, 1 − α₁α₂)";
        Mean => "mean", "평균";
        Variance => "variance", "분산";
        WhySqrt => "Why √(1−β): Var(xₜ) = (1−β)·1 + β·1 = 1, so the variance stays 1 at every step.", "왜 √(1−β)인가: Var(xₜ) = (1−β)·1 + β·1 = 1, 그래서 매 스텝 분산이 1로 유지된다.";
        WhyAdd => "Why the variances add: xₜ₋₁ and ε are independent, so Var(aA + bB) = a²Var(A) + b²Var(B).", "왜 분산이 더해지나: xₜ₋₁과 ε이 독립이라 Var(aA + bB) = a²Var(A) + b²Var(B)이다.";
        WhyTwo => "Why two steps are one Gaussian: the scales multiply (√α₁·√α₂ = √ᾱ₂) and the noise adds up to 1 − ᾱ₂.", "왜 두 스텝이 하나의 가우시안인가: 배율은 곱해지고(√α₁·√α₂ = √ᾱ₂) 노이즈 분산은 합쳐져 1 − ᾱ₂가 된다.";
        WhySample => "Why x₁ is one number: it is a single draw, the mean plus √β₁ times the ε you picked.", "왜 x₁은 하나의 값인가: 평균에 √β₁ × (고른 ε)를 더한 표본 하나이기 때문이다.";
        NotesSlip => "The notes write √0.9 ≈ 0.9499 (so 0.7600 and 0.9181); √0.9 = 0.9487, which gives 0.7589 and 0.9171.", "노트는 √0.9 ≈ 0.9499(그래서 0.7600, 0.9181)로 적었지만 √0.9 = 0.9487이므로 0.7589와 0.9171이 맞다.";
        ChainTitle => "Closed form vs the chain: {0} particles pushed step by step through the schedule", "닫힌 형태 vs 체인: 입자 {0}개를 스케줄을 따라 한 스텝씩 밀기";
        Particles => "particles", "입자 수";
        Seed => "seed", "시드";
        Reroll => "Re-roll", "다시 뽑기";
        StartX0 => "start x₀", "시작 x₀";
        UnitStart => "Var = 1 data", "분산 1 데이터";
        StartNormal => "N(0, 1)", "N(0, 1)";
        StartPlusMinus => "±1, ½ each", "±1, 각 ½";
        Running => "pushing particles: chain {0} of 2 ({1}), step {2} of {3}", "입자 미는 중: 체인 2개 중 {0}번째 ({1}), {3} 스텝 중 {2}";
        ChainFromX0 => "from x₀", "x₀에서 출발";
        ChainUnit => "Var = 1 data", "분산 1 데이터";
        ShowingPrevious => "(showing the previous run until this one finishes)", "(이번 계산이 끝날 때까지 이전 결과 표시)";
        Failed => "The particle run failed: {0}", "입자 계산 실패: {0}";
        HistTitle => "particles at t = {0} vs N(√ᾱₜ·x₀, 1 − ᾱₜ)", "t = {0}의 입자 vs N(√ᾱₜ·x₀, 1 − ᾱₜ)";
        HistName => "particles (histogram)", "입자 (히스토그램)";
        ClosedForm => "closed form N(√ᾱₜ·x₀, 1 − ᾱₜ)", "닫힌 형태 N(√ᾱₜ·x₀, 1 − ᾱₜ)";
        MomentsLine => "mean {0} (closed form {1}, ±{2}) · variance {3} (closed form {4}, ±{5})", "평균 {0} (닫힌 형태 {1}, ±{2}) · 분산 {3} (닫힌 형태 {4}, ±{5})";
        Within => "within 4 standard errors (±: 4σ/√N and 4σ²√(2/(N−1)))", "표준오차 4배 이내 (±: 4σ/√N, 4σ²√(2/(N−1)))";
        Outside => "outside 4 standard errors: re-roll or add particles", "표준오차 4배 밖: 다시 뽑거나 입자를 늘리세요";
        VarTitle => "Var(xₜ) over t, data with Var = 1", "t에 따른 Var(xₜ), 분산 1인 데이터";
        VarEmpirical => "Var(xₜ) of the particles", "입자의 Var(xₜ)";
        VarExact => "exact: (1−βₜ)·Var(xₜ₋₁) + βₜ = 1", "정확한 값: (1−βₜ)·Var(xₜ₋₁) + βₜ = 1";
        VarLine => "largest |Var(xₜ) − 1| over t: {0} (one standard error ≈ {1})", "t 전체에서 가장 큰 |Var(xₜ) − 1|: {0} (표준오차 ≈ {1})";
        Timing => "last run: {0} ms", "마지막 계산: {0} ms";
    }
}
