"""PbyP: Personalisation by Pieces."""
