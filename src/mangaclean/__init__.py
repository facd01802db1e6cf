"""mangaclean: remove the lettering from comic and manga pages."""

__version__ = "0.1.0"
