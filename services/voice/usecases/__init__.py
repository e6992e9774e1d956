"""Use cases of the voice service: dialogue turns, NLU, spoken replies and the ASR stream."""
