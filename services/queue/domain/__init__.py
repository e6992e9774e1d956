"""Pure domain logic of the queue service: values in, values out, no I/O."""
