"""Pure parts of streaming recognition: the vosk-server protocol, audio checks, stream limits, phrase lists."""
