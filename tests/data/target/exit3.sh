#!/bin/sh
# A server that fails at once, as llama-server does on a missing model file.
echo "fake server: starting"
echo "error: failed to load model 'missing.gguf'" >&2
exit 3
