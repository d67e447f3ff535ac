"""The only code that talks to DynamoDB. Each repository takes a boto3 client in __init__."""
