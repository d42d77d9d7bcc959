"""AIS/DRE generator updates and AIS log-likelihood evaluation.

- :class:`AISUpdate`: pass as ``generator_update=`` to any model; importance-weighted generator
  steps with an adaptive Gaussian-mixture proposal over latents (see ``docs/ais.md``).
- :func:`ais_log_likelihood`, :func:`bdmc`, :func:`choose_sigma2`: the log-likelihood of
  data under a generator with a Gaussian observation model (Wu et al. 2017).
- :func:`discriminator_rejection_sample`, :func:`latent_langevin_sample`: post-hoc samplers
  driven by the discriminator, for comparison.
- :func:`anneal`, :func:`temperatures`, :class:`GaussianMixtureProposal`,
  :class:`LatentCodec`: the parts, for studies.
"""

from seqgan.ais._annealing import AnnealingResult, anneal, effective_sample_size, log_mean_exp
from seqgan.ais._latent import LATENT_KINDS, LatentCodec, standard_normal_log_prob
from seqgan.ais._loglik import (
    BDMCResult,
    LogLikelihoodResult,
    ais_log_likelihood,
    bdmc,
    choose_sigma2,
)
from seqgan.ais._proposal import GaussianMixtureProposal
from seqgan.ais._samplers import discriminator_rejection_sample, latent_langevin_sample
from seqgan.ais._schedules import SCHEDULES, temperatures
from seqgan.ais._update import (
    PROPOSALS,
    AISRuntime,
    AISUpdate,
    importance_weights,
    sequence_logits,
)

__all__ = [
    "LATENT_KINDS",
    "PROPOSALS",
    "SCHEDULES",
    "AISRuntime",
    "AISUpdate",
    "AnnealingResult",
    "BDMCResult",
    "GaussianMixtureProposal",
    "LatentCodec",
    "LogLikelihoodResult",
    "ais_log_likelihood",
    "anneal",
    "bdmc",
    "choose_sigma2",
    "discriminator_rejection_sample",
    "effective_sample_size",
    "importance_weights",
    "latent_langevin_sample",
    "log_mean_exp",
    "sequence_logits",
    "standard_normal_log_prob",
    "temperatures",
]
