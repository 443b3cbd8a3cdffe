"""Pieces every device package shares: byte transports, simulator servers, device state,
the error tree's roots and card-number detection."""
