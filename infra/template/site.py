"""The web app: a private S3 bucket behind CloudFront, with the security headers the local
static server sends too (webpolicy.py), and optional alias records."""

from __future__ import annotations

from infra.template.cfn import API_ORIGIN, Json, arn, ref, skips, sub
from webpolicy import content_security_policy

CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # the fixed hosted zone of every CloudFront alias
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
BUCKET_CHECKOV = {
    "CKV_AWS_18": "Only CloudFront reads this bucket; logs would repeat CloudFront's, in a second bucket.",
}
DISTRIBUTION_CHECKOV = {
    "CKV_AWS_68": "No WAF (from about $6 a month) in front of static files; the API has its own throttling.",
    "CKV_AWS_86": "No standard logs: they need a log bucket with ACLs; CloudFront metrics are on.",
    "CKV_AWS_174": "TLSv1.2_2021 is set with a custom domain; the default *.cloudfront.net certificate cannot set it.",
}


def web_resources() -> Json:
    csp = content_security_policy(API_ORIGIN)  # the local static server's policy, for this API
    return {
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "Metadata": skips("checkov", BUCKET_CHECKOV),
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "forget-old-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
            },
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": ref("SiteBucket"),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReads",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": sub("${SiteBucket.Arn}/*"),
                            "Condition": {
                                "StringEquals": {
                                    "AWS:SourceArn": sub(
                                        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
                                    )
                                }
                            },
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn("SiteBucket"), sub("${SiteBucket.Arn}/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                },
            },
        },
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": sub("${AWS::StackName}-site"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "SiteHeaders": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": sub("${AWS::StackName}-security-headers"),
                    "SecurityHeadersConfig": {
                        "ContentSecurityPolicy": {"ContentSecurityPolicy": sub(csp), "Override": True},
                        "StrictTransportSecurity": {
                            "AccessControlMaxAgeSec": 63072000,
                            "IncludeSubdomains": True,
                            "Override": True,
                        },
                        "ContentTypeOptions": {"Override": True},
                        "FrameOptions": {"FrameOption": "DENY", "Override": True},
                        "ReferrerPolicy": {"ReferrerPolicy": "no-referrer", "Override": True},
                    },
                }
            },
        },
        "Distribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Metadata": {
                **skips("checkov", DISTRIBUTION_CHECKOV),
                # CertificateArn may be "" (no domain), but it is only read when DomainName is set.
                **skips("cfn-lint", {"W1030": "CertificateArn is used only under HasDomain, where a Rule requires it"}),
            },
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": sub("${AWS::StackName} web app"),
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Aliases": {"Fn::If": ["HasDomain", [ref("DomainName")], ref("AWS::NoValue")]},
                    "ViewerCertificate": {
                        "Fn::If": [
                            "HasDomain",
                            {
                                "AcmCertificateArn": ref("CertificateArn"),
                                "SslSupportMethod": "sni-only",
                                "MinimumProtocolVersion": "TLSv1.2_2021",
                            },
                            {"CloudFrontDefaultCertificate": True},
                        ]
                    },
                    "Origins": [
                        {
                            "Id": "site",
                            "DomainName": arn("SiteBucket", "RegionalDomainName"),
                            "OriginAccessControlId": arn("SiteOriginAccessControl", "Id"),
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "site",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": ref("SiteHeaders"),
                    },
                }
            },
        },
        **{
            f"SiteAlias{kind}": {
                "Type": "AWS::Route53::RecordSet",
                "Condition": "HasZone",
                "Properties": {
                    "HostedZoneId": ref("HostedZoneId"),
                    "Name": ref("DomainName"),
                    "Type": kind,
                    "AliasTarget": {
                        "DNSName": arn("Distribution", "DomainName"),
                        "HostedZoneId": CLOUDFRONT_ZONE_ID,
                        "EvaluateTargetHealth": False,
                    },
                },
            }
            for kind in ("A", "AAAA")
        },
    }
