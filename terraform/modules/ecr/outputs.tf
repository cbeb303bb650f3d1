output "repositories" {
  description = "Repository per service: name, url and arn."
  value = {
    for service, repo in aws_ecr_repository.this : service => {
      name = repo.name
      url  = repo.repository_url
      arn  = repo.arn
    }
  }
}
