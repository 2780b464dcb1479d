! Assertions for the Fortran tests: failures are counted and reported with the last insitu error;
! report() ends the program with a non-zero status when any check failed.
module test_support
  use insitu
  implicit none
  private
  public :: expect, expect_code, report
  integer :: checks = 0, failures = 0

contains

  subroutine expect(condition, what)
    logical, intent(in) :: condition
    character(len=*), intent(in) :: what
    checks = checks + 1
    if (.not. condition) then
      failures = failures + 1
      write(*, '(a)') 'FAILED: ' // what // ' (last error: "' // get_last_error() // '" at "' // &
        get_last_error_location() // '")'
    end if
  end subroutine

  subroutine expect_code(code, expected, what)
    integer, intent(in) :: code, expected
    character(len=*), intent(in) :: what
    character(len=64) :: detail
    write(detail, '(a,i0,a,i0)') ' returned ', code, ', expected ', expected
    call expect(code == expected, what // trim(detail))
  end subroutine

  subroutine report(name)
    character(len=*), intent(in) :: name
    write(*, '(a,a,i0,a,i0,a)') name, ': ', checks, ' checks, ', failures, ' failed'
    if (failures /= 0) error stop 1
  end subroutine
end module test_support
