package match

// WithFusion exposes withFusion to the external tests.
var WithFusion = withFusion
