"""Pure domain logic of the gateway service: values in, values out, no I/O."""
