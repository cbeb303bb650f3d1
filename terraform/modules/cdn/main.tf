locals {
  primary_origin_id   = "site-primary"
  secondary_origin_id = "site-secondary"
  origin_group_id     = "site-failover"
  failover            = var.secondary_origin != null
  target_origin_id    = local.failover ? local.origin_group_id : local.primary_origin_id

  # Order matters: CloudFront takes the first matching pattern, so the exact
  # no-cache files (ngsw-worker.js) come before the *.js pattern.
  behaviours = concat(
    [for path in var.no_cache_paths : { path = path, kind = "no-cache" }],
    [for path in var.immutable_paths : { path = path, kind = "immutable" }],
  )

  # Response-headers policies: the security headers, plus a forced
  # Cache-Control for the no-cache and immutable paths. The default behaviour
  # ("origin") passes the object's own Cache-Control through.
  cache_control = {
    "origin"    = null
    "no-cache"  = "no-cache"
    "immutable" = "public, max-age=31536000, immutable"
  }
}

resource "aws_cloudfront_origin_access_control" "site" {
  count = var.enable_cloudfront ? 1 : 0

  name                              = "${var.name}-site"
  description                       = "Signed (SigV4) reads of the ${var.name} site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Hashed assets: a year at the edge, whatever the object metadata says.
resource "aws_cloudfront_cache_policy" "immutable" {
  count = var.enable_cloudfront ? 1 : 0

  name        = "${var.name}-immutable"
  comment     = "Content-hashed assets"
  min_ttl     = 86400
  default_ttl = 31536000
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Everything else, and the app shell: cached as long as the object's own
# Cache-Control says (min/default 0: an object without one is revalidated),
# so a deployment is visible at once and hashed files stay a year.
resource "aws_cloudfront_cache_policy" "revalidate" {
  count = var.enable_cloudfront ? 1 : 0

  name        = "${var.name}-revalidate"
  comment     = "As the object's Cache-Control says; revalidated when it says nothing"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "this" {
  for_each = var.enable_cloudfront ? local.cache_control : {}

  name    = "${var.name}-${each.key}"
  comment = each.value == null ? "Security headers; the object's Cache-Control" : "Security headers; Cache-Control ${each.value}"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = var.hsts_max_age_seconds
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_security_policy {
      content_security_policy = var.content_security_policy
      override                = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }

  custom_headers_config {
    dynamic "items" {
      for_each = each.value == null ? [] : [each.value]
      content {
        header   = "Cache-Control"
        value    = items.value
        override = true
      }
    }
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=(), payment=()"
      override = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_374:The app is offered worldwide; no geo restriction.
  #checkov:skip=CKV_AWS_174:With acm_certificate_arn the minimum is TLSv1.2_2021; only the default *.cloudfront.net certificate (no aliases) cannot pin a version.
  #checkov:skip=CKV2_AWS_42:A custom certificate is used whenever acm_certificate_arn is set; environments without a domain use the default certificate.
  #checkov:skip=CKV_AWS_310:Origin failover is configured when secondary_origin is given (an origin group); it needs a replica bucket.
  #checkov:skip=CKV_AWS_68:The WAF web ACL is attached whenever enable_waf is true (the default, in every environment; local included).
  #checkov:skip=CKV2_AWS_47:The web ACL includes AWSManagedRulesKnownBadInputsRuleSet (Log4j) whenever enable_waf is true.
  count = var.enable_cloudfront ? 1 : 0

  enabled             = true
  comment             = "${var.name} single-page app"
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  default_root_object = "index.html"
  price_class         = var.price_class
  aliases             = var.aliases
  web_acl_id          = var.enable_waf ? aws_wafv2_web_acl.this[0].arn : null
  wait_for_deployment = var.wait_for_deployment

  origin {
    origin_id                = local.primary_origin_id
    domain_name              = module.site_bucket.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site[0].id
  }

  dynamic "origin" {
    for_each = local.failover ? [var.secondary_origin] : []
    content {
      origin_id                = local.secondary_origin_id
      domain_name              = origin.value.bucket_regional_domain_name
      origin_access_control_id = aws_cloudfront_origin_access_control.site[0].id
    }
  }

  dynamic "origin_group" {
    for_each = local.failover ? [1] : []
    content {
      origin_id = local.origin_group_id

      failover_criteria {
        status_codes = [403, 404, 500, 502, 503, 504]
      }

      member {
        origin_id = local.primary_origin_id
      }
      member {
        origin_id = local.secondary_origin_id
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.target_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.revalidate[0].id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this["origin"].id
  }

  # Slipway's own records (_slipway/: release manifests, the live pointer) are
  # denied to CloudFront by the bucket policy: the origin answers 403 and the
  # viewer gets the app shell, as for any unknown path.

  dynamic "ordered_cache_behavior" {
    for_each = local.behaviours
    content {
      path_pattern               = ordered_cache_behavior.value.path
      target_origin_id           = local.target_origin_id
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = ["GET", "HEAD", "OPTIONS"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = ordered_cache_behavior.value.kind == "immutable" ? aws_cloudfront_cache_policy.immutable[0].id : aws_cloudfront_cache_policy.revalidate[0].id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.this[ordered_cache_behavior.value.kind].id
    }
  }

  # Client-side routes of the single-page app: the bucket answers 403 (OAC,
  # no ListBucket) for paths that are not objects; serve the app shell.
  dynamic "custom_error_response" {
    for_each = [403, 404]
    content {
      error_code            = custom_error_response.value
      response_code         = 200
      response_page_path    = "/index.html"
      error_caching_min_ttl = 0
    }
  }

  dynamic "logging_config" {
    for_each = var.enable_access_logs ? [1] : []
    content {
      bucket          = module.log_bucket[0].bucket_domain_name
      prefix          = "cloudfront/"
      include_cookies = false
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.aliases) == 0 || var.acm_certificate_arn != null
      error_message = "aliases need acm_certificate_arn."
    }
  }

  depends_on = [module.log_bucket]
}
