"""The merge template by resource area, one module each; infra/merge_template.py puts them
together. cfn.py holds the CloudFormation helpers and the names several areas share."""
