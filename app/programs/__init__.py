"""The office programs' declarations: `kecamatan` (the kecamatan office) and `desa` (a desa's own PC).
The center's is sync/center/program.py. Importing one imports nothing of its program
(app/frame/programs.py); run.py reads them and loads only the program it runs."""
