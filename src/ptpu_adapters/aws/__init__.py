"""AWS adapters: SQS listener and queue admin, DynamoDB message store and lock, emulator provisioning."""
