"""Personal data: finding it in free text and masking it before anything leaves the commune."""
