"""Pure domain logic of the voice service: values in, values out, no I/O."""
