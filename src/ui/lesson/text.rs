//! The Lesson's words in English and Korean. Written for the app (not the study notes'
//! sentences), with the notes' arithmetic corrected: √0.9 = 0.9487, μ₁ = 0.7589,
//! x₁ = 0.9171. Paragraphs are separated by a blank line ("\n\n"); formulas are one
//! line each.

crate::i18n_table! {
    /// Text of the Lesson panel.
    pub enum LessonText {
        Heading => "Lesson: DDPM step by step", "레슨: 한 걸음씩 배우는 DDPM";
        StepOf => "Step {0} of {1}: {2}", "{1}단계 중 {0}단계: {2}";
        GoTo => "Go to step {0}: {1}", "{0}단계로 가기: {1}";
        Previous => "← Previous", "← 이전";
        Next => "Next →", "다음 →";
        Formula => "Formula", "수식";
        TryThis => "Try this", "해 보기";

        Title1 => "The idea: Gaussian both ways", "아이디어: 양방향 모두 가우시안";
        Title2 => "One forward step", "순방향 한 스텝";
        Title3 => "The worked example, live", "계산 예시를 직접 움직이며";
        Title4 => "Many steps at once: q(xₜ|x₀)", "여러 스텝을 한 번에: q(xₜ|x₀)";
        Title5 => "An image turned into noise", "노이즈가 되어 가는 이미지";
        Title6 => "Back one step: the posterior", "한 스텝 되돌리기: 사후분포";
        Title7 => "What a trained denoiser does", "학습된 디노이저가 하는 일";

        Body1 => "Diffusion wears data down a little at a time. Each step shrinks the current value slightly and mixes in a small amount of Gaussian noise; after enough steps nothing is left of the data but standard noise N(0, 1).\n\nForward, every step is Gaussian because we define it that way. The interesting part is the way back: when each step adds only a little noise, the value one step earlier, given the value now, is also very nearly Gaussian. So the whole process can be undone one small Gaussian step at a time, and that is what a diffusion model learns to do.\n\nPicture a speck of dust drifting in the air: from one moment to the next it jitters by a small random amount, so seeing where it is now also tells you roughly where it was a moment ago.",
            "확산은 데이터를 조금씩 닳게 만든다. 스텝마다 현재 값을 살짝 줄이고 작은 가우시안 노이즈를 섞는다. 이런 스텝이 충분히 쌓이면 데이터의 흔적은 사라지고 표준 노이즈 N(0, 1)만 남는다.\n\n순방향의 각 스텝은 애초에 그렇게 정의했으니 가우시안이다. 흥미로운 것은 되돌아가는 방향이다. 한 스텝에 더하는 노이즈가 작다면, 지금 값이 주어졌을 때 바로 전 스텝의 값도 거의 가우시안을 따른다. 그래서 전체 과정을 작은 가우시안 스텝 하나하나로 되돌릴 수 있고, 확산 모델이 배우는 것이 바로 이것이다.\n\n공기 중을 떠다니는 먼지 한 톨을 떠올려 보자. 한순간에서 다음 순간으로 넘어갈 때 먼지는 무작위로 조금 흔들릴 뿐이다. 그래서 지금 위치를 보면 조금 전에 어디쯤 있었는지도 대략 짐작할 수 있다.";
        Formula1 => "forward:  q(xₜ|xₜ₋₁) = N(√(1−βₜ)·xₜ₋₁, βₜ)\nbackward, small βₜ:  q(xₜ₋₁|xₜ) ≈ N(μ, σ²)",
            "순방향:  q(xₜ|xₜ₋₁) = N(√(1−βₜ)·xₜ₋₁, βₜ)\n역방향, 작은 βₜ:  q(xₜ₋₁|xₜ) ≈ N(μ, σ²)";
        Try1 => "In the right-hand plot the wide green curve is everything xₜ₋₁ could have been before we looked; the tall narrow peak is what is left once xₜ, the white dot, is known. Three curves lie on top of each other there: the exact posterior (blue), the Gaussian with its mean and variance (dashed orange) and the posterior if x₀ were known as well (dotted purple). That they coincide is the point: the backward step is Gaussian too. Step 6 lets you make the steps bigger and watch this break.",
            "오른쪽 그래프에서 넓은 초록 곡선은 xₜ를 보기 전에 xₜ₋₁이 가질 수 있던 모든 값이고, 높고 좁은 봉우리는 흰 점 xₜ를 안 뒤에 남는 값이다. 그 봉우리에는 곡선 세 개가 겹쳐 있다: 정확한 사후분포(파랑), 평균과 분산이 같은 가우시안(주황 점선), x₀까지 안다고 할 때의 사후분포(보라 점선). 셋이 겹친다는 것이 핵심이다. 역방향 스텝도 가우시안이다. 6단계에서 스텝을 키우면 이 모습이 어떻게 무너지는지 볼 수 있다.";
        Forward1 => "Forward: where xₜ can land, starting from xₜ₋₁", "순방향: xₜ₋₁에서 출발한 xₜ가 놓일 수 있는 곳";
        Backward1 => "Backward: where xₜ₋₁ was, given xₜ (the white dot)", "역방향: xₜ(흰 점)를 알 때 xₜ₋₁이 있었던 곳";

        Body2 => "A forward step does two things to the previous value: it scales it by √(1−βₜ), a little less than 1, and adds fresh noise √βₜ·ε with ε ~ N(0, 1). The two numbers are chosen so that the spread of the data never drifts.\n\nWhy? Say xₜ₋₁ has variance 1 and ε is drawn independently of it. For independent A and B the cross term 2ab·Cov(A, B) is zero, so Var(aA + bB) = a²·Var(A) + b²·Var(B). With a = √(1−βₜ) and b = √βₜ this is (1−βₜ) + βₜ = 1: the signal variance taken away is exactly the noise variance put back, at every step, however many steps there are.",
            "순방향 스텝은 이전 값에 두 가지 일을 한다. 1보다 조금 작은 √(1−βₜ)를 곱해 값을 줄이고, ε ~ N(0, 1)로 만든 새 노이즈 √βₜ·ε를 더한다. 이 두 숫자는 데이터가 퍼진 정도가 변하지 않도록 맞춰져 있다.\n\n왜 그럴까? xₜ₋₁의 분산이 1이고 ε는 xₜ₋₁과 독립으로 뽑는다고 하자. 독립인 A와 B에서는 공분산 항 2ab·Cov(A, B)가 0이므로 Var(aA + bB) = a²·Var(A) + b²·Var(B)이다. a = √(1−βₜ), b = √βₜ를 넣으면 (1−βₜ) + βₜ = 1이 된다. 줄어든 신호의 분산을 노이즈의 분산이 정확히 채우므로, 스텝을 몇 번 거치든 분산은 1로 유지된다.";
        Formula2 => "xₜ = √(1−βₜ)·xₜ₋₁ + √βₜ·ε,   ε ~ N(0, 1)\nif Var(xₜ₋₁) = 1:  Var(xₜ) = (1−βₜ)·1 + βₜ·1 = 1",
            "xₜ = √(1−βₜ)·xₜ₋₁ + √βₜ·ε,   ε ~ N(0, 1)\nVar(xₜ₋₁) = 1이면:  Var(xₜ) = (1−βₜ)·1 + βₜ·1 = 1";
        Try2 => "Drag βₜ up towards 0.5: the bell widens and its centre slides towards 0. In the lower plot, values with variance 1 go through every step of the schedule, and their measured variance stays on the line at 1.",
            "βₜ를 0.5 쪽으로 올려 보자. 종 모양이 넓어지고 중심이 0 쪽으로 움직인다. 아래 그래프에서는 분산이 1인 값들이 스케줄의 모든 스텝을 거치는데, 측정한 분산이 1의 선에서 벗어나지 않는다.";

        Body3 => "Take the numbers from the study notes: x₀ = 0.8 and β₁ = 0.1, so α₁ = 1 − β₁ = 0.9.\n\nThe first step is N(√α₁·x₀, β₁). Its mean is √0.9 × 0.8 = 0.9487 × 0.8 = 0.7589 and its variance is 0.1. The Gaussian describes every value x₁ could take; one draw, ε = 0.5, picks a single one: x₁ = 0.7589 + √0.1 × 0.5 = 0.7589 + 0.1581 = 0.9171.\n\nThe notes round √0.9 to 0.9499 and so get 0.7600 and 0.9181; the values above are the correct ones. Add a second step with β₂ = 0.2 and the two steps together are again one Gaussian: ᾱ₂ = 0.9 × 0.8 = 0.72, so q(x₂|x₀) = N(√0.72 × 0.8, 1 − 0.72) = N(0.6788, 0.28).\n\nEvery number on the right is recomputed as you move the sliders.",
            "학습 노트의 숫자를 그대로 써 보자. x₀ = 0.8, β₁ = 0.1이면 α₁ = 1 − β₁ = 0.9이다.\n\n첫 스텝은 N(√α₁·x₀, β₁)이다. 평균은 √0.9 × 0.8 = 0.9487 × 0.8 = 0.7589, 분산은 0.1이다. 이 가우시안은 x₁이 가질 수 있는 모든 값을 나타내고, ε = 0.5를 한 번 뽑으면 그중 하나가 정해진다: x₁ = 0.7589 + √0.1 × 0.5 = 0.7589 + 0.1581 = 0.9171.\n\n노트는 √0.9를 0.9499로 반올림해 0.7600과 0.9181을 얻었지만, 올바른 값은 위와 같다. β₂ = 0.2인 두 번째 스텝을 더해도 두 스텝을 합친 결과는 다시 하나의 가우시안이다: ᾱ₂ = 0.9 × 0.8 = 0.72이므로 q(x₂|x₀) = N(√0.72 × 0.8, 1 − 0.72) = N(0.6788, 0.28).\n\n오른쪽의 모든 숫자는 슬라이더를 움직일 때마다 다시 계산된다.";
        Formula3 => "μ₁ = √α₁·x₀,   σ₁² = β₁,   x₁ = μ₁ + √β₁·ε\ntwo steps:  q(x₂|x₀) = N(√(α₁α₂)·x₀, 1 − α₁α₂)",
            "μ₁ = √α₁·x₀,   σ₁² = β₁,   x₁ = μ₁ + √β₁·ε\n두 스텝:  q(x₂|x₀) = N(√(α₁α₂)·x₀, 1 − α₁α₂)";
        Try3 => "Set ε to 0: x₁ lands exactly on the mean μ₁. Then lower β₁ to 0.01: the mean stays close to 0.8, because a small step barely moves the value. “Back to the notes' numbers” restores x₀ = 0.8, β₁ = 0.1, ε = 0.5 and β₂ = 0.2.",
            "ε를 0으로 두면 x₁이 평균 μ₁과 정확히 같아진다. 이어서 β₁을 0.01로 낮추면 평균이 0.8 가까이에 머문다. 작은 스텝은 값을 거의 움직이지 않기 때문이다. “노트의 숫자로” 버튼을 누르면 x₀ = 0.8, β₁ = 0.1, ε = 0.5, β₂ = 0.2로 돌아간다.";
        ResetExample => "Back to the notes' numbers", "노트의 숫자로";

        Body4 => "Chaining Gaussian steps gives a Gaussian again: the scale factors multiply and the noise variances accumulate. Writing ᾱₜ for the product α₁·α₂·…·αₜ, you can jump from x₀ to any t in one go: xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε. The t separate noises add up to a single Gaussian, so one ε stands for all of them.\n\nThis is what makes training cheap: pick a random t, add noise once, and there is no loop over the steps in between.\n\nOn the right, particles that all start at x₀ are pushed through the schedule one step at a time, exactly as the definition says. Their histogram at t sits on the closed-form curve.",
            "가우시안 스텝을 이어 붙이면 다시 가우시안이 된다. 배율은 곱해지고 노이즈의 분산은 쌓인다. α₁·α₂·…·αₜ를 ᾱₜ로 쓰면 x₀에서 원하는 t로 한 번에 건너뛸 수 있다: xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε. t번 따로 더한 노이즈들이 합쳐져 하나의 가우시안이 되므로 ε 하나가 그 전부를 대신한다.\n\n학습이 가벼운 이유가 여기에 있다. t를 무작위로 고르고 노이즈를 한 번만 더하면 되며, 그 사이의 스텝을 하나씩 돌 필요가 없다.\n\n오른쪽에서는 모두 x₀에서 출발한 입자들을 정의 그대로 한 스텝씩 스케줄을 따라 민다. t에서의 히스토그램이 닫힌 형태의 곡선과 겹친다.";
        Formula4 => "ᾱₜ = α₁·α₂·…·αₜ\nq(xₜ|x₀) = N(√ᾱₜ·x₀, 1 − ᾱₜ)\nin one jump:  xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε",
            "ᾱₜ = α₁·α₂·…·αₜ\nq(xₜ|x₀) = N(√ᾱₜ·x₀, 1 − ᾱₜ)\n한 번에:  xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε";
        Try4 => "Drag t towards T: the mean slides to 0 and the variance grows to 1, so the start value is forgotten. Re-roll the seed: the histogram wobbles a little, the closed-form curve does not move.",
            "t를 T 쪽으로 끌어 보자. 평균은 0으로 미끄러지고 분산은 1로 커진다. 출발값이 잊히는 것이다. 시드를 다시 뽑으면 히스토그램은 조금 흔들리지만 닫힌 형태의 곡선은 움직이지 않는다.";
        ClosedFormAt => "At t = {0}: ᾱₜ = {1}, so q(xₜ|x₀ = {2}) = N({3}, {4})", "t = {0}에서 ᾱₜ = {1}이므로 q(xₜ|x₀ = {2}) = N({3}, {4})";

        Body5 => "An image is a long list of numbers, one per pixel and colour, scaled to [−1, 1]. Diffusion treats each of them the same way and independently: the same closed form, each with its own ε.\n\nAt first the picture only turns grainy. Around the middle of the schedule the shapes dissolve, fine detail first and large shapes last, and near T what is left cannot be told apart from pure noise: √ᾱₜ has fallen almost to 0.\n\nThe pictures use the schedule chosen in the Schedule panel and one fixed draw of ε, so only t changes between them.",
            "이미지는 픽셀과 색마다 숫자 하나씩을 [−1, 1] 범위로 맞춘 긴 숫자 목록이다. 확산은 이 숫자들을 모두 같은 방식으로, 서로 독립적으로 다룬다. 같은 닫힌 형태를 쓰되 숫자마다 자기 ε를 쓴다.\n\n처음에는 그림이 거칠어질 뿐이다. 스케줄의 중간쯤에서 형태가 녹아내리는데, 세밀한 부분이 먼저 사라지고 큰 형태가 가장 오래 남는다. T에 가까워지면 √ᾱₜ가 거의 0이 되어, 남은 것은 순수한 노이즈와 구별되지 않는다.\n\n그림에는 스케줄 패널에서 고른 스케줄과 고정된 ε 하나를 쓰므로, 그림 사이에서 바뀌는 것은 t뿐이다.";
        Formula5 => "every pixel value:  xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε", "모든 픽셀 값에:  xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε";
        Try5 => "Press Play (or Space) and watch the picture dissolve. Then pick the cosine preset in the Schedule panel and come back: the picture holds on longer, because the cosine schedule takes signal away more slowly at first.",
            "재생(또는 Space)을 눌러 그림이 녹아내리는 모습을 보자. 그다음 스케줄 패널에서 코사인 프리셋을 고르고 돌아오면 그림이 더 오래 버틴다. 코사인 스케줄은 처음에 신호를 더 천천히 지우기 때문이다.";
        ImageAt => "t = {0} of {1}: signal √ᾱₜ = {2}, noise √(1−ᾱₜ) = {3}", "t = {0} / {1}: 신호 √ᾱₜ = {2}, 노이즈 √(1−ᾱₜ) = {3}";
        ImageName => "the picture at t = {0}", "t = {0}의 그림";
        StripCaption => "The same picture and the same ε at t/T = 0, 0.2, 0.4, 0.6, 0.8, 1 ({0}):", "같은 그림, 같은 ε로 t/T = 0, 0.2, 0.4, 0.6, 0.8, 1 ({0}):";
        StripTile => "t = {0}", "t = {0}";

        Body6 => "Now run the film backwards. We see xₜ, the white dot, and ask where xₜ₋₁ was. Bayes' rule weighs two things: how likely each xₜ₋₁ was to begin with (the wide green curve, q(xₜ₋₁)), and how far one forward step can move (a Gaussian about √βₜ wide around xₜ).\n\nWhen βₜ is small the second factor is a narrow spike and it wins: the posterior is one narrow peak, almost exactly Gaussian, and a Gaussian backward step fits it. When the steps are big, the shape of the data shows through: the posterior can have two peaks, and no single Gaussian can stand in for it. Many small steps are what make undoing the noise easy.\n\nThe data here are a mixture of two Gaussians at ±1, for which the posterior can be computed exactly: what you see is exact, not a sketch.",
            "이제 필름을 거꾸로 돌려 보자. 우리는 흰 점 xₜ를 보고 xₜ₋₁이 어디에 있었는지 묻는다. 베이즈 규칙은 두 가지를 함께 따진다. 하나는 각 xₜ₋₁이 애초에 얼마나 그럴듯했는가(넓은 초록 곡선 q(xₜ₋₁)), 다른 하나는 순방향 한 스텝이 얼마나 멀리 움직일 수 있는가(xₜ 주변에서 폭이 약 √βₜ인 가우시안)이다.\n\nβₜ가 작으면 두 번째 요인이 좁고 뾰족해서 결과를 좌우한다. 사후분포는 좁은 봉우리 하나로, 거의 정확히 가우시안이 되고, 가우시안 역방향 스텝으로 잘 맞출 수 있다. 스텝이 크면 데이터의 모양이 드러난다. 사후분포에 봉우리가 둘 생길 수 있고, 그러면 어떤 가우시안 하나로도 대신할 수 없다. 작은 스텝을 여러 번 밟는 것이 노이즈를 되돌리기 쉽게 만드는 비결이다.\n\n여기서 데이터는 ±1에 놓인 두 가우시안의 혼합이라 사후분포를 정확히 계산할 수 있다. 보이는 것은 스케치가 아니라 정확한 결과다.";
        Formula6 => "Bayes:  q(xₜ₋₁|xₜ) ∝ q(xₜ|xₜ₋₁) · q(xₜ₋₁)\ngiven x₀:  q(xₜ₋₁|xₜ, x₀) = N(μ̃ₜ, β̃ₜ)\nwhere  β̃ₜ = βₜ·(1−ᾱₜ₋₁)/(1−ᾱₜ)",
            "베이즈:  q(xₜ₋₁|xₜ) ∝ q(xₜ|xₜ₋₁) · q(xₜ₋₁)\nx₀를 알 때:  q(xₜ₋₁|xₜ, x₀) = N(μ̃ₜ, β̃ₜ)\n여기서  β̃ₜ = βₜ·(1−ᾱₜ₋₁)/(1−ᾱₜ)";
        Try6 => "Under “steps”, choose T' = 10 (every 100 steps): the same noise level, t = 200, is now reached in jumps of 100 steps, the blue posterior splits into two peaks and the verdict turns orange. Back at every step it is one narrow peak again. Then try the view “zoom on the posterior”.",
            "“스텝”에서 T' = 10 (100 스텝마다)을 골라 보자. 같은 노이즈 수준 t = 200에 이제 100 스텝씩 건너뛰어 도달하고, 파란 사후분포가 두 봉우리로 갈라지며 판정 문구가 주황색으로 바뀐다. 모든 스텝으로 되돌리면 다시 좁은 봉우리 하나가 된다. “사후분포 확대” 보기도 눌러 보자.";

        Body7 => "In step 6 we knew the data, so the posterior was exact. A real model does not know the data. Instead a neural network εθ(xₜ, t) is trained to guess the noise hidden in xₜ, the same ε as in the one-jump formula of step 4. From that guess it estimates x₀ and puts the estimate into the posterior of step 6: one Gaussian step back.\n\nSampling starts from pure noise at t = T and takes these backward steps one after another. Each removes part of the predicted noise and adds a little fresh noise, as wide as the posterior.\n\nHere a small network that ships with the app, trained on the “two moons” data, turns random points into two crescents. A network knows only what it was trained on: this one makes two moons from any noise. In the same way the Image panel's “natural” model, which has seen only pictures the app generates (“dead leaves”), restores a photo from a moderate t (≤ 200), but from t = T it invents new dead-leaves pictures, never a photo.",
            "6단계에서는 데이터를 알았기에 사후분포를 정확히 구할 수 있었다. 실제 모델은 데이터를 모른다. 대신 신경망 εθ(xₜ, t)가 xₜ 안에 숨은 노이즈를 맞히도록 학습된다. 4단계의 한 번에 건너뛰는 식에 나온 바로 그 ε이다. 모델은 이 추측으로 x₀를 추정하고, 그 추정값을 6단계의 사후분포에 넣어 가우시안 스텝으로 한 걸음 되돌아간다.\n\n샘플링은 t = T의 순수한 노이즈에서 시작해 이런 역방향 스텝을 차례로 밟는다. 스텝마다 예측한 노이즈의 일부를 걷어 내고, 사후분포의 폭만큼 새 노이즈를 조금 더한다.\n\n여기서는 앱에 들어 있는 작은 신경망(“두 개의 달” 데이터로 학습)이 무작위 점들을 두 개의 초승달 모양으로 바꾼다. 신경망은 학습한 것만 안다. 이 신경망은 어떤 노이즈에서든 두 개의 달을 만든다. 마찬가지로 이미지 패널의 “natural” 모델은 앱이 만든 그림(“dead leaves”)만 보았기 때문에, 적당한 t(≤ 200)에서는 사진을 되살리지만 t = T에서는 사진이 아니라 새로운 dead-leaves 그림을 지어낸다.";
        Formula7 => "estimate:  x̂₀ = (xₜ − √(1−ᾱₜ)·εθ(xₜ, t)) / √ᾱₜ\nstep back:  xₜ₋₁ ~ N(μ̃ₜ(xₜ, x̂₀), β̃ₜ)",
            "추정:  x̂₀ = (xₜ − √(1−ᾱₜ)·εθ(xₜ, t)) / √ᾱₜ\n한 스텝 뒤로:  xₜ₋₁ ~ N(μ̃ₜ(xₜ, x̂₀), β̃ₜ)";
        Try7 => "Drag the step slider back to 0 and press Play: at first the cloud only shrinks, and the two crescents appear late, in the last part of the walk. “Sample again” draws new noise: different points, the same two moons.",
            "스텝 슬라이더를 0으로 되돌리고 재생을 눌러 보자. 처음에는 점구름이 줄어들기만 하고, 두 초승달은 걸음의 마지막 부분에서야 늦게 나타난다. “다시 샘플링”은 새 노이즈를 뽑는다. 점들은 달라져도 두 개의 달 모양은 같다.";
        SampleAgain => "Sample again", "다시 샘플링";
        ModelLine => "Model “{0}”: an MLP with {1} weights predicting ε; its schedule: {2}, T = {3}. {4} points from pure noise, {5} DDPM steps.", "모델 “{0}”: ε를 예측하는 가중치 {1}개의 MLP; 스케줄: {2}, T = {3}. 순수한 노이즈에서 점 {4}개, DDPM {5} 스텝.";
        ReverseStep => "reverse step", "역방향 스텝";
        FrameLine => "after {0} of {1} {1|step|steps}: t = {2}", "{1} 스텝 중 {0} 스텝 뒤: t = {2}";
        Samples => "samples at t = {0}", "t = {0}의 샘플";
        TrainingData => "training data", "학습 데이터";
        Denoising => "denoising: step {0} of {1}", "노이즈 제거 중: {1} 스텝 중 {0}";
        Starting => "loading the model…", "모델을 불러오는 중…";
        ModelMissing => "This build ships no model called “{0}” (assets/models/{0} was missing when it was built).", "이 빌드에는 “{0}” 모델이 들어 있지 않습니다 (빌드할 때 assets/models/{0}이(가) 없었습니다).";
        RunFailed => "The denoiser could not run: {0}", "디노이저를 실행하지 못했습니다: {0}";
        Timing => "last run: {0} ms", "마지막 실행: {0} ms";
    }
}
