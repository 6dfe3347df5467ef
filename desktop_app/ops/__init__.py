"""Project operations shared by the CLI and the GUI: plain functions over a store.Project,
long ones taking `progress(done, total)` and `cancel()` callbacks (Orange's rule)."""
