"""Amazon Augmented AI (A2I) in the sandbox: human loops, flow definitions, human task UIs."""
