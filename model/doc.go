// Package model holds fieldcrm's domain types and the pure rules over them:
// leads, contacts, activities, follow-up tasks, complaints and the pipeline;
// validation; due buckets, rotting, weighted value and screening score; and
// the change (op) type with its hybrid logical clock and per-field merge rule.
//
// It imports neither bbolt nor Bubble Tea: everything here is plain data and
// functions, so the store, the server and the UI share one definition of what
// a lead is and how concurrent edits merge.
package model
