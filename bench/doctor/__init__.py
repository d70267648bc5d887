"""`python -m bench doctor PATH:CLASS`: where a from-scratch network parts from Keras, if it does.

On small float64 problems it checks, in order, stopping at the first failure: (1) the forward
pass from the same weights, layer by layer; (2) every parameter's gradient against finite
differences and against Keras; (3) one optimiser step, then a few hundred, against Keras. Then a
short speed comparison with David and Keras. See docs/own-network.md. (Nothing is imported here:
the probes run in worker processes that should not pay for the rest.)
"""
