"""Grade bands (评定等次): turning a score into 满意 / 比较满意 / 基本满意 / 不满意."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def validate_grade_bands(bands) -> None:
    """Bands are [[lower_bound, name], …], bounds strictly decreasing, the last one 0."""
    if not isinstance(bands, list) or not bands:
        raise ValidationError({"grade_bands": _("Grade bands must be a non-empty list of [lower bound, name].")})
    previous = None
    for position, band in enumerate(bands, start=1):
        if not (isinstance(band, (list, tuple)) and len(band) == 2 and isinstance(band[1], str) and band[1].strip()):
            raise ValidationError({"grade_bands": _("Band %(n)d must be [lower bound, name].") % {"n": position}})
        bound = band[0]
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not 0 <= bound <= 100:
            raise ValidationError({"grade_bands": _("Band %(n)d: the lower bound must be a number from 0 to 100.") % {"n": position}})
        if previous is not None and bound >= previous:
            raise ValidationError({"grade_bands": _("Band %(n)d: lower bounds must decrease from band to band.") % {"n": position}})
        previous = bound
    if previous != 0:
        raise ValidationError({"grade_bands": _("The last band must start at 0, so that every score has a grade.")})


def grade_for(score: float, bands) -> str:
    """The name of the first band whose lower bound the score reaches."""
    for bound, name in bands:
        if score >= bound:
            return name
    return bands[-1][1]
