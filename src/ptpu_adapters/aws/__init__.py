"""What the AWS adapters share: boto3 clients and the mapping of botocore errors."""
