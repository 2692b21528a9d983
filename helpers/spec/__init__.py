"""The cluster spec: the validated model, its rules, the FortiOS facts they enforce, and the problems they report."""
