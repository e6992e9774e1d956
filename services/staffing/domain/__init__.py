"""Pure domain logic of the staffing service: values in, values out, no I/O."""
