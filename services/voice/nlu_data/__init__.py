"""Training corpus of the voice NLU (zh_*.txt, en_*.txt); see services/voice/domain/nlu/corpus.py."""
