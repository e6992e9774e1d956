"""Pure logic of the records service: values in, values out, no I/O."""
