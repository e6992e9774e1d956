"""The digital employee's dialogue: state, policy (pure) and bilingual replies."""
