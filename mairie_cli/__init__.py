"""mairie: cahiers de doléances numérisés hors ligne, de la mairie à l'association."""

__version__ = "0.1.0"
