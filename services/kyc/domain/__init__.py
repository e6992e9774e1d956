"""Pure domain logic of the kyc service: values in, values out, no I/O."""
