"""Model zoo: one folder per model, a framework-neutral spec plus one file per framework."""
