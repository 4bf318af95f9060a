s:c*
