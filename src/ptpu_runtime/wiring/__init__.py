"""One small dependency-injector container per wing, composed by `ptpu_runtime.container.Container`."""
