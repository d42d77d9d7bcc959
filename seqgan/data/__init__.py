"""What user data becomes: validation, the SequenceData container, scaling, encoding, and the way
back to the user's container type."""

from seqgan.data._condition import ConditionEncoder
from seqgan.data._container import SequenceData
from seqgan.data._encoder import SequenceEncoder, check_finite
from seqgan.data._images import ImageData, ImageEncoder, VectorEncoder, as_images, as_vectors
from seqgan.data._scaling import FeatureScaler

__all__ = ["ConditionEncoder", "FeatureScaler", "ImageData", "ImageEncoder", "SequenceData",
           "SequenceEncoder", "VectorEncoder", "as_images", "as_vectors", "check_finite"]
