package iot

import (
	"context"
	"iter"
)

// cursor is the request side of a paged list: which page to read next.
type cursor struct {
	page  int    // 1-based page number
	token string // the previous answer's NextToken; "" on the first page
}

// pageOf is the answer side: one page's items and whether the list goes on.
type pageOf[T any] struct {
	items []T
	more  bool   // the answer says pages remain after this one
	token string // the answer's NextToken, for the operations that give one
}

// pages is the one paging loop behind every All* iterator. It reads a page
// only once the consumer has taken every item of the one before, so a
// consumer that breaks (found what it looked for) costs no further request,
// and holds one page at a time however long the list is.
//
// The list ends on a page that says no more follow, or on an empty page
// (a platform that keeps answering "more" with nothing would otherwise loop
// forever). The first error, or the context's once it is done, is yielded
// and ends the list.
//
// first is where to start (page 0 means 1). Each later request carries the
// previous answer's NextToken, so the operations that require it past
// offset 10,000 (QueryDevice, L12127–12154; ListDeviceDistributeJob,
// 001:L52–62) keep going.
func pages[T any](ctx context.Context, first cursor, fetch func(context.Context, cursor) (pageOf[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		at := cursor{page: max(first.page, 1), token: first.token}
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			pg, err := fetch(ctx, at)
			if err != nil {
				yield(zero, err)
				return
			}
			for i := range pg.items {
				if !yield(pg.items[i], nil) {
					return
				}
			}
			if len(pg.items) == 0 || !pg.more {
				return
			}
			at = cursor{page: at.page + 1, token: pg.token}
		}
	}
}
