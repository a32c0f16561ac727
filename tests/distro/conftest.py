import sys
from pathlib import Path

# helpers shared by the tests of this folder
sys.path.insert(0, str(Path(__file__).parent))
