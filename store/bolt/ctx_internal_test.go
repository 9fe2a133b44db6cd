package bolt

import "context"

var ctx = context.Background()
