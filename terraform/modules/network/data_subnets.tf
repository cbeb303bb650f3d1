# Isolated data subnets for RDS and ElastiCache: one per availability zone,
# carved from the VPC block between the public (0-3) and private (8-11)
# ranges, sharing one route table that only knows the VPC itself.

resource "aws_subnet" "data" {
  for_each = var.enable_data_subnets ? local.zones : {}

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.cidr_block, 4, each.value + 4)

  tags = merge(var.tags, { Name = "${var.name}-data-${each.key}", Tier = "data" })
}

# No aws_route on this table: only the implicit local route (and the S3
# gateway endpoint when enabled), so nothing in a data subnet reaches the internet.
resource "aws_route_table" "data" {
  count = var.enable_data_subnets ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-data", Tier = "data" })
}

resource "aws_route_table_association" "data" {
  for_each = aws_subnet.data

  subnet_id      = each.value.id
  route_table_id = aws_route_table.data[0].id
}
