

xPlaceholder*
dtype0

cholCholeskyx*
T0