"""anpo: the Japan–U.S. Security Arrangements, executable."""

__version__ = "0.1.0"
