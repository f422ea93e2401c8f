//! The exact denoisers as the Points panel's model: the ideal and the Gaussian one of the
//! cloud on screen, and the true mixture where the set is given as one (ring8); and how
//! close a finished run's samples came to the cloud.

use super::*;

impl PointsPanel {
    /// The model runs, the field and predictions use: the network in use, or the exact
    /// denoiser of the cloud (on the Schedule panel's schedule), when ready.
    pub(super) fn run_model(&self, lab: &LabContext) -> Option<(ModelId, RunModel)> {
        match self.model_choice() {
            PointsModel::Exact(fit) => {
                let key = self.exact_key(fit, lab)?;
                match &self.exact {
                    Some((k, Ok(d))) if *k == key => {
                        Some((ModelId::Exact(key), RunModel::Analytic(d.clone())))
                    }
                    _ => None,
                }
            }
            PointsModel::TrueMixture => match &self.true_mixture {
                Some((rev, d)) if *rev == lab.schedule_revision && self.set_is_a_mixture() => {
                    Some((ModelId::TrueMixture(*rev), RunModel::Analytic(d.clone())))
                }
                _ => None,
            },
            _ => self
                .active_model(lab)
                .map(|(id, m)| (id, RunModel::Network(m))),
        }
    }

    /// Whether the data set on screen is given as a mixture (so it has a true-mixture
    /// denoiser).
    pub fn set_is_a_mixture(&self) -> bool {
        self.set == PointSet::Toy(DatasetKind::Ring8)
    }

    /// The model a run would use now, when ready (a network or an exact denoiser).
    pub fn run_denoiser(&self, lab: &LabContext) -> Option<RunModel> {
        self.run_model(lab).map(|(_, m)| m)
    }

    /// Why the exact denoiser of the cloud could not be built, if it was asked for.
    pub fn exact_error(&self) -> Option<&str> {
        match (&self.model_choice(), &self.exact) {
            (PointsModel::Exact(fit), Some(((f, _, _), Err(e)))) if fit == f => Some(e),
            _ => None,
        }
    }

    /// How close the last finished run's samples came to the cloud's points.
    pub fn nearest_summary(&self) -> Option<&NearestSummary> {
        self.nearest
            .as_ref()
            .filter(|(g, _)| *g == self.run_generation)
            .map(|(_, s)| s.as_ref())
    }

    fn exact_key(&self, fit: AnalyticFit, lab: &LabContext) -> Option<ExactKey> {
        let (cloud, _) = self.cloud.as_ref()?;
        Some((fit, *cloud, lab.schedule_revision))
    }

    /// Fits the exact denoiser the model choice asks for, and measures the finished run's
    /// samples against the cloud (once a frame, after the cloud is up to date).
    pub(super) fn update_exact(&mut self, lab: &LabContext) {
        // The exact denoiser of the cloud, when it is the model: fitted here (the ideal one
        // keeps the points; the Gaussian one is a mean and a 2 × 2 covariance).
        if let PointsModel::Exact(fit) = self.model_choice()
            && let Some(key) = self.exact_key(fit, lab)
            && self.exact.as_ref().is_none_or(|(k, _)| *k != key)
            && let Some(cloud) = self.cloud()
        {
            let built = AnalyticKind::fit(fit, &cloud, crate::model::data::DataDomain::Points2d)
                .map(|kind| Arc::new(AnalyticDenoiser::new(kind, lab.schedule.as_ref().clone())))
                .map_err(|e| e.to_string());
            self.exact = Some((key, built));
        }
        // The true mixture's denoiser, once per schedule.
        if self.model_choice() == PointsModel::TrueMixture
            && self
                .true_mixture
                .as_ref()
                .is_none_or(|(rev, _)| *rev != lab.schedule_revision)
            && let Ok(m) = crate::diffusion::analytic::IsotropicMixture2d::new(
                &crate::model::data::ring8_components(),
            )
        {
            self.true_mixture = Some((
                lab.schedule_revision,
                Arc::new(AnalyticDenoiser::new(
                    AnalyticKind::Mixture2d(m),
                    lab.schedule.as_ref().clone(),
                )),
            ));
        }
        // Where the finished run's samples landed, against the cloud's points.
        if self
            .nearest
            .as_ref()
            .is_none_or(|(g, _)| *g != self.run_generation)
            && let Some(run) = &self.run
            && run.traj.finished
            && let Some(last) = run.traj.view(run.traj.positions().saturating_sub(1))
            && let Some(cloud) = self.cloud()
            && let Some(summary) = NearestSummary::of(last.x, &cloud)
        {
            self.nearest = Some((self.run_generation, Arc::new(summary)));
        }
    }
}
