"""mangaclean: remove the lettering from comic and manga pages.

>>> from mangaclean import Cleaner
>>> result = Cleaner().clean("page.png")
"""

__version__ = "0.1.0"

from mangaclean.backends import Models  # noqa: E402
from mangaclean.cleaner import Cleaner  # noqa: E402
from mangaclean.pipeline import CleanOptions, CleanResult, clean_page, text_mask  # noqa: E402

__all__ = [
    "Cleaner",
    "CleanOptions",
    "CleanResult",
    "Models",
    "clean_page",
    "text_mask",
    "__version__",
]
